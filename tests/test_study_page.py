"""The study page's promise: every number links to the file it was read from (the whole page is checked in
tests/test_workflow.py on a real run; here the checker and the citation pieces)."""

from pathlib import Path

import pandas as pd

from firestorm.study_page import StudyPage, unsourced_numbers


def test_a_number_typed_by_hand_is_found_and_a_linked_one_is_not():
    page = StudyPage(Path("results"))
    linked = f"<p>Attention halved every {page.n(11.04, 'x/spread.json', '{:.1f}')} h.</p>"
    assert unsourced_numbers(linked) == []
    assert unsourced_numbers("<p>Attention halved every 11.0 h.</p>") == ["Attention halved every 11.0 h."]
    # Names and fixed terms may hold digits; the methods section is the linked methods.md itself.
    assert unsourced_numbers(f"<p>{page.name('争议（2023）')} {page.term('95% CI')}</p>"
                             "<section id='methods'><p>200 bootstrap samples</p></section>"
                             "<style>td{padding:.25rem}</style>") == []
    assert unsourced_numbers("<section id='methods'><p>ok</p></section><p>after 3 h</p>") == ["after 3 h"]


def test_numbers_link_relative_to_the_results_directory_and_missing_values_are_words(tmp_path):
    page = StudyPage(tmp_path / "results")
    (tmp_path / "config").mkdir()
    assert 'href="case/spread.json">1,234<' in page.n(1234, "case/spread.json")
    assert 'href="../config/case.yaml"' in page.n(pd.Timestamp("2023-07-20"), tmp_path / "config/case.yaml",
                                                   "{:%Y-%m-%d}")
    assert page.n(float("nan"), "case/spread.json", missing="not identified") == "not identified"
    assert page.interval([None, 2.0], "case/spread.json") == "(no interval)"
    assert page.figure("case/figures/missing.png", "a figure that was not drawn") == ""
