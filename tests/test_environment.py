"""requirements.txt and environment.yml must describe the same dependencies."""

import re

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
