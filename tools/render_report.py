"""Read the Snakemake report as a reader's browser shows it: headless Chromium renders it, saves a screenshot,
and the expected sections and figures are looked for in the rendered page (the report is a JavaScript app;
the raw HTML file holds no page). A QA tool for `make report-check` and the end-to-end test, not part of the
firestorm package.

    python tools/render_report.py REPORT.html SCREENSHOT.png [expected text ...]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path


def render_report(html: str | Path, screenshot: str | Path, chromium: str = "chromium",
                  wait_ms: int = 20_000) -> str:
    """Open the Snakemake report in headless Chromium as a reader's browser would: save a screenshot and
    return the DOM after its scripts ran."""
    html, screenshot = Path(html).resolve(), Path(screenshot).resolve()
    common = [chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
              f"--virtual-time-budget={wait_ms}", "--window-size=1400,1800"]
    subprocess.run(common + [f"--screenshot={screenshot}", html.as_uri()], check=True, capture_output=True,
                   timeout=180)
    return subprocess.run(common + ["--dump-dom", html.as_uri()], check=True, capture_output=True, text=True,
                          timeout=180).stdout


def print_pdf(html: str | Path, pdf: str | Path, chromium: str = "chromium") -> Path:
    """Print a page (the study page) to PDF with headless Chromium, as a reader's "print to PDF" would."""
    html, pdf = Path(html).resolve(), Path(pdf).resolve()
    subprocess.run([chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                    f"--print-to-pdf={pdf}", html.as_uri()], check=True, capture_output=True, timeout=180)
    return pdf


def check_rendered_report(dom: str, expected: list[str]) -> list[str]:
    """What a reader would miss on the report's first page: the expected texts not rendered."""
    return [text for text in expected if text not in dom]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Render the Snakemake report in headless Chromium and check it.")
    parser.add_argument("report")
    parser.add_argument("screenshot")
    parser.add_argument("expected", nargs="*", help="texts the rendered report must contain")
    parser.add_argument("--pdf", help="also print the page to this PDF file (the study page)")
    args = parser.parse_args(argv)
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        sys.exit("no chromium on PATH: install Debian's `chromium` (make report-check does it when run as root)")
    dom = render_report(args.report, args.screenshot, chromium)
    missing = check_rendered_report(dom, args.expected)
    if missing:
        sys.exit(f"{args.report}: rendered without {missing}")
    if args.pdf:
        print_pdf(args.report, args.pdf, chromium)
    print(f"{args.report}: rendered with {len(args.expected)} expected texts; screenshot {args.screenshot}"
          + (f"; printed to {args.pdf}" if args.pdf else ""))


if __name__ == "__main__":
    main()
