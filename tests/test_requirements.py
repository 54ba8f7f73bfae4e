"""The declared dependency ranges: .ci/lower_bounds.py turns requirements.txt into lower-bound pins, every
runtime requirement has both bounds, the environment the suite runs in lies inside them, and CI runs the
lower bounds (.ci/lower_bounds.sh)."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import re

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

from tests.conftest import ROOT

_spec = importlib.util.spec_from_file_location("lower_bounds", ROOT / ".ci" / "lower_bounds.py")
lower_bounds = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(lower_bounds)

RUNTIME = (ROOT / "requirements.txt").read_text(encoding="utf-8")


def test_pins_each_requirement_to_its_lower_bound():
    text = "# a comment\n\nstreamlit>=1.66,<2\nnumpy >= 2.0 , <3  # why\npandas[performance]>=2.2.2,!=2.3.0,<4\n"
    assert lower_bounds.constraints(text) == "streamlit==1.66\nnumpy==2.0\npandas==2.2.2\n"


def test_reads_exact_and_compatible_pins_and_markers():
    text = "plotly==6.0.0\nthreadpoolctl~=3.5\nfoo>=1.2; python_version < '3.12'\n"
    assert lower_bounds.lower_bounds(text) == {"plotly": "6.0.0", "threadpoolctl": "3.5", "foo": "1.2"}


@pytest.mark.parametrize("line", [
    "numpy", "numpy<3", "numpy!=1.0", "numpy==2.*", "-r other.txt", "--index-url x", "numpy>=1,>=2", "numpy>>1",
    "numpy>=1\nNumPy>=2",
])
def test_a_requirement_without_one_clear_lower_bound_is_refused(line):
    with pytest.raises(ValueError, match="line"):
        lower_bounds.lower_bounds(line)


def test_every_runtime_requirement_has_a_lower_and_an_upper_bound():
    bounds = lower_bounds.lower_bounds(RUNTIME)
    assert set(bounds) == {"streamlit", "numpy", "plotly", "pandas", "threadpoolctl"}
    for line in RUNTIME.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        requirement = Requirement(line)
        uppers = [Version(spec.version) for spec in requirement.specifier if spec.operator in ("<", "<=")]
        assert uppers, f"{requirement.name} has no upper bound"
        assert Version(bounds[requirement.name]) < min(uppers), f"{requirement.name}: empty range"
        assert Version(bounds[requirement.name]) in requirement.specifier


def test_the_environment_of_the_suite_lies_inside_the_declared_ranges():
    for line in RUNTIME.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            requirement = Requirement(line)
            installed = importlib.metadata.version(requirement.name)
            assert requirement.specifier.contains(installed, prereleases=True), (requirement.name, installed)


def test_the_development_requirements_include_the_runtime_ones():
    assert re.search(r"^-r requirements\.txt$", (ROOT / "requirements-dev.txt").read_text(encoding="utf-8"), re.M)


def test_ci_runs_the_lower_bounds():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^\s*bash \.ci/lower_bounds\.sh", ci, re.M)
    script = (ROOT / ".ci" / "lower_bounds.sh").read_text(encoding="utf-8")
    assert ".ci/lower_bounds.py requirements.txt" in script and "-c \"$constraints\"" in script
    assert ".ci/smoke_pages.py" in script
