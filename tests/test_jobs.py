"""Rule scripts log to their log file and name the rule, the case and the error on the console when they fail."""

import subprocess
import sys
import textwrap

from firestorm.jobs import failure_line


def test_failure_line_names_rule_wildcards_and_the_first_line_of_the_message():
    error = ValueError("only 1 posts carry emoticons\nsecond line of detail")
    assert (failure_line("spread", {"case": "miaoya_camera"}, error)
            == "firestorm spread [case=miaoya_camera]: ValueError: only 1 posts carry emoticons")
    assert failure_line("report_text", {}, KeyError("format")) == "firestorm report_text: KeyError: 'format'"


def test_an_uncaught_error_goes_to_the_console_in_one_line_and_to_the_log_in_full(tmp_path):
    log = tmp_path / "job.log"
    script = tmp_path / "job.py"
    script.write_text(textwrap.dedent(f"""
        import logging
        import sys
        from types import SimpleNamespace

        from firestorm.jobs import log_to

        snakemake = SimpleNamespace(log=[{str(log)!r}], rule="spread", wildcards={{"case": "xhs_trik_ai"}})
        log_to(snakemake)
        logging.info("reading posts")
        print("a warning for the log", file=sys.stderr)

        def analyse():
            raise ValueError("NaTType does not support strftime\\nmore detail")

        analyse()
    """), encoding="utf-8")
    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True)
    assert run.returncode != 0
    assert run.stderr.strip() == "firestorm spread [case=xhs_trik_ai]: ValueError: NaTType does not support strftime"
    written = log.read_text(encoding="utf-8")
    assert "reading posts" in written and "a warning for the log" in written
    assert "Traceback" in written and "in analyse" in written and "more detail" in written
