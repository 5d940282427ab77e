"""requirements.txt, environment.yml and pyproject.toml must describe the same dependencies."""

import re
import tomllib

import yaml


def requirement_lines(text):
    return {line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")}


def normalise(spec):
    return re.sub(r"\s+", "", spec).lower()


def test_environment_yml_lists_the_same_pip_dependencies_as_requirements(repo):
    requirements = {normalise(s) for s in requirement_lines((repo / "requirements.txt").read_text())}
    environment = yaml.safe_load((repo / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in environment["dependencies"] if isinstance(d, dict) and "pip" in d)
    conda_pins = [d for d in environment["dependencies"] if isinstance(d, str)]
    listed = {normalise(s) for s in pip_section if not s.startswith("-e")}
    assert listed == requirements
    assert "python=3.11" in conda_pins


def test_torch_is_pinned_to_the_cpu_wheel(repo):
    assert "torch==2.13.0" in requirement_lines((repo / "requirements.txt").read_text())


def test_pyproject_declares_what_requirements_pin(repo):
    """Runtime dependencies plus the test, bench and lint extras are exactly requirements.txt's lines."""
    project = tomllib.loads((repo / "pyproject.toml").read_text())["project"]
    declared = [*project["dependencies"], *(s for extra in project["optional-dependencies"].values() for s in extra)]
    assert len(declared) == len(set(declared))
    requirements = {normalise(s) for s in requirement_lines((repo / "requirements.txt").read_text())}
    assert {normalise(s) for s in declared} == requirements
    assert not {"pytest", "hypothesis"} & {re.split(r"[=<>]", s)[0] for s in project["dependencies"]}


def test_the_version_is_written_once(repo):
    import firestorm

    pyproject = tomllib.loads((repo / "pyproject.toml").read_text())
    assert "version" not in pyproject["project"] and "version" in pyproject["project"]["dynamic"]
    assert pyproject["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "firestorm.__version__"}
    assert re.fullmatch(r"\d+\.\d+\.\d+", firestorm.__version__)


def test_the_readme_layout_names_every_module_of_the_package(repo):
    """The README's Layout diagram is how a reader finds the room for a feature: it may not fall behind the tree."""
    readme = (repo / "README.md").read_text(encoding="utf-8")
    layout = readme.split("## Layout", 1)[1].split("\n## ", 1)[0]
    package = repo / "src/firestorm"
    modules = {p.stem for p in package.glob("*.py") if p.stem != "__init__"}
    modules |= {p.name for p in package.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    missing = {name for name in modules if f"firestorm.{name}" not in layout and f"· {name}" not in layout}
    for folder in ("ingest", "sentiment", "demo"):
        missing |= {f"{folder}/{p.stem}" for p in (package / folder).glob("*.py")
                    if p.stem != "__init__" and p.stem not in layout}
    assert not missing
    rules = {p.name for p in (repo / "workflow/rules").glob("*.smk")} - {"common.smk"}
    assert {rule for rule in rules if rule not in layout} == set()


def test_ruff_and_snakefmt_are_clean(repo):
    """What `make lint` checks besides `snakemake --lint` (that one runs in test_workflow.py)."""
    import subprocess
    import sys
    from pathlib import Path

    tools = Path(sys.executable).parent
    ruff = subprocess.run([str(tools / "ruff"), "check", "src", "tests", "bench", "workflow/scripts", "tools"],
                          cwd=repo, capture_output=True, text=True)
    assert ruff.returncode == 0, ruff.stdout + ruff.stderr
    snakefmt = subprocess.run([str(tools / "snakefmt"), "--check", "Snakefile", "workflow/rules"], cwd=repo,
                              capture_output=True, text=True)
    assert snakefmt.returncode == 0, snakefmt.stdout + snakefmt.stderr
