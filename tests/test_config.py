"""Case and study configuration: the shipped files load, bad files fail naming the file and the key."""

import pytest
import yaml

from firestorm.config import ConfigError, load_case, load_study_config


def write_case(tmp_path, repo, edit, name="xhs_trik_ai"):
    document = yaml.safe_load((repo / "config" / "cases" / f"{name}.yaml").read_text(encoding="utf-8"))
    edit(document)
    path = tmp_path / f"{document.get('name', name)}.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return path


def test_shipped_study_config_and_cases_are_valid(repo):
    config = load_study_config(repo / "config" / "config.yaml")
    for name in config["cases"]:
        case = load_case(repo / config["case_dir"] / f"{name}.yaml")
        assert case.name == name
        assert case.window_start < case.window_end
        assert str(case.window_start.tz) == "UTC"
        assert case.first_event_time("trigger") is not None


def test_silent_company_is_explicit_and_responding_company_has_a_time(repo):
    xhs = load_case(repo / "config" / "cases" / "xhs_trik_ai.yaml")
    miaoya = load_case(repo / "config" / "cases" / "miaoya_camera.yaml")
    assert xhs.responded is False and xhs.response_time is None
    assert miaoya.responded is True
    latency = (miaoya.response_time - miaoya.first_event_time("trigger")).total_seconds() / 3600
    assert 12 <= latency <= 36  # "within about one day"


def test_naive_times_are_read_in_the_case_time_zone(tmp_path, repo):
    def edit(document):
        document["timeline"][0]["time"] = "2023-07-30 20:00"

    case = load_case(write_case(tmp_path, repo, edit))
    assert case.first_event_time("trigger").isoformat() == "2023-07-30T12:00:00+00:00"


def _drop_timeline(d):
    del d["timeline"]


def _bad_date(d):
    d["window"]["start"] = "2023-13-45T00:00:00"


def _unknown_format(d):
    d["inputs"][0]["format"] = "tiktok_csv"


def _response_without_time(d):
    d["official_response"] = {"responded": True}


def _silent_with_time(d):
    d["official_response"] = {"responded": False, "time": "2023-08-02T00:00:00+08:00"}


def _no_trigger(d):
    d["timeline"] = [e for e in d["timeline"] if e["kind"] != "trigger"]


def _window_backwards(d):
    d["window"]["end"] = "2023-07-01T00:00:00+08:00"


def _unknown_zone(d):
    d["timezone"] = "Mars/Olympus"


def _unknown_key(d):
    d["windwo"] = {}


def _unknown_phase_event(d):
    d["discourse"] = {"phase_events": ["apology"]}


def _official_account_on_unknown_platform(d):
    d["official_accounts"] = [{"platform": "douyin", "user_id": "1"}]


@pytest.mark.parametrize(
    "edit, key",
    [
        (_unknown_phase_event, "discourse.phase_events"),
        (_official_account_on_unknown_platform, "official_accounts.0.platform"),
        (_drop_timeline, "(top level)"),
        (_bad_date, "window.start"),
        (_unknown_format, "inputs.0.format"),
        (_response_without_time, "official_response"),
        (_silent_with_time, "official_response"),
        (_no_trigger, "timeline"),
        (_window_backwards, "window.end"),
        (_unknown_zone, "timezone"),
        (_unknown_key, "(top level)"),
    ],
)
def test_bad_case_config_names_file_and_key(tmp_path, repo, edit, key):
    path = write_case(tmp_path, repo, edit)
    with pytest.raises(ConfigError) as error:
        load_case(path)
    message = str(error.value)
    assert str(path) in message
    assert f"'{key}'" in message


def test_case_name_must_match_file_name(tmp_path, repo):
    def edit(document):
        document["name"] = "other_case"

    path = write_case(tmp_path, repo, edit)
    renamed = path.with_name("xhs_trik_ai.yaml")
    path.rename(renamed)
    with pytest.raises(ConfigError, match="key 'name'"):
        load_case(renamed)


def test_bad_study_config_names_the_key(tmp_path, repo):
    document = yaml.safe_load((repo / "config" / "config.yaml").read_text())
    document["shards"] = 0
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(document))
    with pytest.raises(ConfigError, match=r"config.yaml: key 'shards'"):
        load_study_config(path)


def test_an_input_glob_matching_no_file_names_file_and_key(tmp_path, repo):
    from firestorm.ingest import IngestError, resolve_inputs

    def edit(document):
        document["inputs"][0]["path"] = "data/nowhere/*.csv"

    path = write_case(tmp_path, repo, edit)
    with pytest.raises(IngestError, match=r"key 'inputs.0.path': 'data/nowhere/\*.csv' matches no file"):
        list(resolve_inputs(load_case(path), base_dir=tmp_path))


@pytest.mark.parametrize("model, message", [
    ("results/models/no_such_model", "no model folder at 'results/models/no_such_model'"),
    ("./my-model", "no model folder at './my-model'"),
    ("config", "is a folder without config.json"),
    ("someorg/not-cached-model", "not in the local Hugging Face cache"),
])
def test_unknown_model_location_names_file_and_key(repo, monkeypatch, model, message):
    from firestorm.config import check_model_location

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ConfigError, match=r"config/config.yaml: key 'sentiment.model'") as error:
        check_model_location(model, "results/models/sentiment", base_dir=repo)
    assert message in str(error.value)
    check_model_location("results/models/sentiment", "results/models/sentiment", base_dir=repo)   # built here


def test_unknown_model_path_stops_snakemake_before_any_job(repo, tmp_path):
    import subprocess
    import sys

    workdir = tmp_path / "study"
    workdir.mkdir()
    for name in ("Snakefile", "environment.yml"):
        (workdir / name).write_bytes((repo / name).read_bytes())
    import shutil

    for name in ("workflow", "config"):
        shutil.copytree(repo / name, workdir / name)
    config = yaml.safe_load((workdir / "config/config.yaml").read_text(encoding="utf-8"))
    config["sentiment"]["model"] = "results/models/typo"
    (workdir / "config/config.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "snakemake", "-n"], cwd=workdir, capture_output=True, text=True)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "config/config.yaml: key 'sentiment.model'" in output and "results/models/typo" in output


def test_defaults_live_in_the_schema_and_fill_a_sparse_config(repo):
    """Rules index the config directly: every optional key they read gets its default from the schema when
    Snakemake validates the config (no `.get(key, default)` in the rules)."""
    import re

    from snakemake.utils import validate

    config = yaml.safe_load((repo / "config/config.yaml").read_text(encoding="utf-8"))
    for section, key in (("demo", "scale"), ("segmentation", "memo_blocks"), ("spread", "bootstrap_samples"),
                         ("spread", "seed"), ("sentiment", "runtime"), ("sentiment", "batch_size"),
                         ("sentiment", "max_length"), ("sentiment", "train"), ("sentiment", "adapt")):
        config[section].pop(key, None)
    config.pop("response", None)
    validate(config, str(repo / "workflow/schemas/config.schema.yaml"))
    assert config["response"] == {"pre_hours": 24, "post_hours": 48,
                                  "strategies": "data/lexicon/response_strategies.yaml"}
    assert (config["spread"]["bootstrap_samples"], config["spread"]["seed"], config["demo"]["scale"]) == (200, 0, 1.0)
    assert config["sentiment"]["adapt"] == {"enabled": False, "emoticons": "data/lexicon/emoticons.yaml"}
    assert config["sentiment"]["train"]["distil_from"] == "" and config["sentiment"]["runtime"] == "onnx"
    rules = "".join(path.read_text(encoding="utf-8") for path in (repo / "workflow/rules").glob("*.smk"))
    assert not re.search(r"config(\[[^]]+\])*\.get\(", rules)
