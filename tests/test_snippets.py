"""core/snippets.py: the generated scripts run as they are and recompute exactly what the Masks page shows."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from core import lessons_masks as lm
from core.snippets import masks_snippet, unit_samples_snippet
from tests.conftest import APP, ROOT

SETTINGS = [(0.0, 0, 1), (0.05, 3, 1), (0.3, 2, 1), (0.35000000000000003, 2, 7), (0.5, 0, 40), (0.95, 9, 500),
            (0.999, 1, 2), (1.0, 4, 3)]


def run_snippet(code: str) -> dict:
    namespace = {"__name__": "snippet"}  # a fresh namespace; not "__main__", so nothing is printed
    exec(compile(code, "snippet", "exec"), namespace)
    return namespace


@pytest.mark.parametrize("self_contained", [False, True])
@pytest.mark.parametrize(("keep_prob", "seed", "iteration"), SETTINGS)
def test_snippet_recomputes_the_masks_view_exactly(keep_prob, seed, iteration, self_contained):
    namespace = run_snippet(masks_snippet(keep_prob, seed, iteration, self_contained=self_contained))
    view = lm.masked_layer(lm.synthetic_layer().activations, keep_prob, seed, iteration)
    np.testing.assert_array_equal(namespace["activations"], lm.synthetic_layer().activations)
    np.testing.assert_array_equal(namespace["mask"], view.mask)
    np.testing.assert_array_equal(namespace["scaled_mask"], view.scaled_mask)
    np.testing.assert_array_equal(namespace["output"], view.output)


def test_the_self_contained_snippet_needs_numpy_only(tmp_path):
    script = tmp_path / "masks_view.py"
    script.write_text(masks_snippet(0.3, 2, 5, self_contained=True))
    assert "from core" not in script.read_text() and "import core" not in script.read_text()
    result = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=60,
                            env={"PATH": "", "PYTHONPATH": ""})
    assert result.returncode == 0, result.stderr
    view = lm.masked_layer(lm.synthetic_layer().activations, 0.3, 2, 5)
    assert f"kept {view.n_kept} of 128 units" in result.stdout


def test_the_core_snippet_runs_from_the_project_folder(tmp_path):
    script = tmp_path / "masks_view.py"
    script.write_text(masks_snippet(0.8, 3, 2))
    result = subprocess.run([sys.executable, str(script)], cwd=ROOT, capture_output=True, text=True, timeout=60,
                            env={"PATH": "", "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr
    view = lm.masked_layer(lm.synthetic_layer().activations, 0.8, 3, 2)
    assert f"kept {view.n_kept} of 128 units" in result.stdout


def test_snippet_matches_the_numbers_on_the_masks_page():
    """The page's own metric, read from AppTest, equals what the snippet computes for the same link."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["keep_prob"] = "0.35"
    at.query_params["seed"] = "6"
    at.query_params["masks_iteration"] = "4"
    at.run()
    at.switch_page("pages/masks.py").run()
    assert not at.exception
    keep_prob = at.slider(key="keep_prob").value
    iteration = at.number_input(key="masks_iteration").value
    namespace = run_snippet(masks_snippet(keep_prob, 6, int(iteration), self_contained=True))
    shown = {m.label: m.value for m in at.metric}
    assert shown["kept by this mask"] == f"{int(namespace['mask'].sum())} of 128"
    assert shown["fraction kept"] == f"{namespace['mask'].mean():.3f}"


def test_numbers_are_written_exactly():
    code = masks_snippet(0.35000000000000003, 2, 7)
    assert "0.35000000000000003, 2, 7" in code
    assert "keep_prob, seed, iteration = 0.3, 2, 1" in masks_snippet(0.3, 2, 1)


def test_bad_arguments():
    with pytest.raises(ValueError, match="keep_prob"):
        masks_snippet(1.5, 0, 1)
    with pytest.raises(ValueError, match="iteration"):
        masks_snippet(0.5, 0, 0)
    with pytest.raises(ValueError, match="iteration"):
        masks_snippet(0.5, 0, lm.MAX_ITERATION + 1)
    with pytest.raises(ValueError, match="seed"):
        masks_snippet(0.5, -1, 1)
    with pytest.raises(TypeError, match="seed"):
        masks_snippet(0.5, 1.5, 1)
    with pytest.raises(TypeError, match="self_contained"):
        masks_snippet(0.5, 0, 1, self_contained="yes")


UNIT_SETTINGS = [(1.5, 0.0, 2, 0, True), (1.5, 0.3, 2000, 4, True), (-0.7, 0.05, 500, 1, False),
                 (0.0, 0.5, 100, 2, True), (2.3, 0.95, 20_000, 9, False), (1.2, 1.0, 50, 3, True)]


@pytest.mark.parametrize("self_contained", [False, True])
@pytest.mark.parametrize(("x", "keep_prob", "n_samples", "seed", "inverted"), UNIT_SETTINGS)
def test_unit_snippet_recomputes_the_expected_view_exactly(x, keep_prob, n_samples, seed, inverted, self_contained):
    code = unit_samples_snippet(x, keep_prob, n_samples, seed, inverted=inverted, self_contained=self_contained)
    namespace = run_snippet(code)
    experiment = lm.unit_experiment(x, keep_prob, n_samples, seed, inverted=inverted)
    np.testing.assert_array_equal(namespace["samples"], experiment.samples)
    assert namespace["mc_mean"] + 0.0 == experiment.mc_mean
    assert namespace["mc_variance"] == experiment.mc_variance
    assert namespace["expected"] == pytest.approx(experiment.expected, abs=1e-12)
    assert namespace["variance"] == pytest.approx(experiment.variance, abs=1e-12)


def test_unit_snippet_matches_the_numbers_on_the_expected_page():
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in {"keep_prob": "0.4", "seed": "5", "expected_x": "1.2", "expected_variant": "standard",
                       "expected_samples": "500"}.items():
        at.query_params[key] = value
    at.run()
    at.switch_page("pages/expected.py").run()
    assert not at.exception
    shown = {m.label: m.value for m in at.metric}
    namespace = run_snippet(unit_samples_snippet(1.2, at.slider(key="keep_prob").value, 500, 5, inverted=False,
                                                 self_contained=True))
    assert shown["mean of 500 masks"] == f"{namespace['mc_mean']:.4g}"
    assert shown["sample variance"] == f"{namespace['mc_variance']:.4g}"
    assert shown["E[out], formula"] == f"{namespace['expected']:.4g}"


def test_unit_snippet_bad_arguments():
    with pytest.raises(TypeError, match="x"):
        unit_samples_snippet(float("nan"), 0.5, 10, 0)
    with pytest.raises(ValueError, match="n_samples"):
        unit_samples_snippet(1.0, 0.5, 1, 0)
    with pytest.raises(ValueError, match="n_samples"):
        unit_samples_snippet(1.0, 0.5, lm.MAX_SAMPLES + 1, 0)
    with pytest.raises(TypeError, match="inverted"):
        unit_samples_snippet(1.0, 0.5, 10, 0, inverted=1)
