# The two commands researchers need:  `make run`  (whole default study)  and  `make test`  (test suite).
# Both create the virtualenv .venv on first use (Python >= 3.11, packages from PyPI only).
# Developers: `make test-fast` (unit tests, a few minutes) while working, `make lint` before committing.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
KEY    := .firestorm/pseudonym.key
CORES  ?= all

.PHONY: setup run report report-check test test-fast lint teacher bench slurm-check clean-results

setup: $(STAMP)

$(STAMP): requirements.txt requirements-font.txt pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "firestorm needs Python >= 3.11 (snakemake 9)"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	# The CJK font for figures (Source Han Sans CN, OFL) ships inside cntext; its own dependencies are not needed.
	$(BIN)/python -m pip install --quiet --no-deps -r requirements-font.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

# A random pseudonymisation key, created once and never overwritten (see README, "Research ethics").
$(KEY): | $(STAMP)
	$(BIN)/python -m firestorm.privacy $(KEY)

run: $(STAMP) $(KEY)
	$(BIN)/snakemake --cores $(CORES)
	$(BIN)/snakemake --report results/report.html

report: $(STAMP)
	$(BIN)/snakemake --report results/report.html

# Open the report and the study page in headless Chromium as a reader would: screenshots + check that every
# section and figure made it into the rendered page; print the study page to results/study.pdf. Installs
# Debian's chromium when missing (needs root).
report-check: $(STAMP)
	command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium fonts-noto-cjk)
	test -f results/report.html || $(BIN)/snakemake --report results/report.html
	$(BIN)/python tools/render_report.py results/report.html results/report_screenshot.png \
		Comparison Methods xhs_trik_ai miaoya_camera volume.png hawkes.png frames.png its.png methods.md summary.md
	# The study page as a reader opens it, and its PDF (results/study.pdf).
	$(BIN)/python tools/render_report.py results/study.html results/study_screenshot.png --pdf results/study.pdf \
		'id="findings"' 'id="response"' 'id="methods"' volume.png

# Every test, the end-to-end runs of the Snakefile included (what CI runs).
test: $(STAMP)
	$(BIN)/python -m pytest

# Unit tests only: the tests marked `slow` (end-to-end, SLURM, fuzzing, whole studies) are left out.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not slow"

# The whole study at 250k, 500k and 1M demo posts: time per stage, posts/s, peak RSS (results/bench/study_scale.json).
bench: $(STAMP)
	$(BIN)/python bench/study_scale.py

# The study through the SLURM profile on a single-node SLURM started here (root; installs slurm-wlm + munge).
slurm-check: $(STAMP)
	$(BIN)/python -m pytest tests/test_slurm.py

# Rebuild the committed teacher labels the default sentiment model is distilled from (fine-tunes e5-small on the
# human-labelled Weibo sets; ~1 h on 2 cores) and the baselines' scores on the test sets (~5 min).
teacher: $(STAMP)
	$(BIN)/python -m pip install --quiet --no-deps -r requirements-teacher.txt
	$(BIN)/python -m firestorm.sentiment.teacher --work-dir results/models/teacher_work --out data/sentiment/teacher_labels.parquet
	$(BIN)/python -m firestorm.sentiment.evaluate --out data/sentiment/baselines.json

# The workflow linter, ruff (Python) and snakefmt (Snakefile and rule files); settings in pyproject.toml.
lint: $(STAMP)
	$(BIN)/snakemake --lint
	$(BIN)/ruff check src tests bench workflow/scripts tools
	$(BIN)/snakefmt --check Snakefile workflow/rules

clean-results:
	rm -rf results data/demo logs .snakemake
