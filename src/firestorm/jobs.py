"""What every rule script does first: send its output to the rule's log, and say on the console why it failed.

Snakemake shows only "check log file(s)" when a job fails; a researcher running a study on many cases should
see which rule, which case and what went wrong without opening logs, and find the full traceback in the log.
"""

from __future__ import annotations

import logging
import sys
import traceback


def failure_line(rule: str, wildcards: dict, error: BaseException) -> str:
    """``firestorm <rule> [<wildcards>]: <ExceptionType>: <first line of the message>``."""
    where = f"firestorm {rule}"
    if wildcards:
        where += " [" + ", ".join(f"{name}={value}" for name, value in wildcards.items()) + "]"
    message = str(error).strip().splitlines()
    return f"{where}: {type(error).__name__}: {message[0] if message else ''}".rstrip().rstrip(":")


def log_to(snakemake) -> None:
    """Send stderr and logging of a rule script to its log file (``snakemake.log[0]``); an uncaught exception
    writes its traceback there and one line (:func:`failure_line`) to the console's stderr, and the script
    still exits non-zero, so Snakemake stops the job as before."""
    console = sys.__stderr__
    log = open(snakemake.log[0], "w", encoding="utf-8", buffering=1)
    sys.stderr = log
    logging.basicConfig(stream=log, level=logging.INFO, force=True)
    wildcards = {name: value for name, value in snakemake.wildcards.items() if not name.startswith("_")}
    rule = getattr(snakemake, "rule", "job")

    def report_failure(kind, error, trace):
        traceback.print_exception(kind, error, trace, file=log)
        log.flush()
        if console is not None and not issubclass(kind, KeyboardInterrupt):
            print(failure_line(rule, wildcards, error), file=console, flush=True)

    sys.excepthook = report_failure
