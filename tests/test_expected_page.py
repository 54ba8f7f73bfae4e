"""AppTest of the lesson "Expected activations": every view clean at keep_prob 0, 0.5 and 1 in both
variants, every control works and is read from the link, and bad link values give a visible warning."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from core import lessons_masks as lm
from tests.conftest import chart_specs, open_page_via_home, open_view, show_view

PAGE = "pages/expected.py"
VIEW = "expected_view"
VIEWS = ["Distribution", "Running mean", "Variance", "Layer"]  # one chart each


def open_page(**query) -> AppTest:
    return open_page_via_home(PAGE, query)


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


@pytest.mark.parametrize("variant", ["inverted", "standard"])
@pytest.mark.parametrize("keep_prob", ["0", "0.5", "1"])
def test_page_runs_clean_and_shows_core_numbers(keep_prob, variant):
    experiment = lm.unit_experiment(1.5, float(keep_prob), 2_000, 3, inverted=variant == "inverted")
    for label in VIEWS:
        at = open_view(PAGE, VIEW, label, {"keep_prob": keep_prob, "seed": "3", "expected_variant": variant})
        assert at.title[0].value == "Expected activations"
        assert at.radio(key="expected_variant").value == variant
        shown = metrics(at)
        assert shown["E[out], formula"] == f"{experiment.expected:.4g}"
        assert shown["mean of 2,000 masks"] == f"{experiment.mc_mean:.4g}"
        assert shown["test-time output"] == f"{experiment.test_output:.4g}"
        assert shown["Var[out], formula"] == f"{experiment.variance:.4g}"
        assert shown["sample variance"] == f"{experiment.mc_variance:.4g}"
        assert not any("nan" in value.lower() or value.startswith("-0") for value in shown.values())
        specs = chart_specs(at)
        assert len(specs) == 1, label
        assert not any("nan" in spec["layout"]["title"]["text"].lower() for spec in specs)
        if keep_prob == "0":
            assert shown["kept value"] == "none"
            assert any("every mask drops the unit" in w.value for w in at.warning)
        elif keep_prob == "1":
            assert any("no randomness" in i.value for i in at.info)
            assert shown["sample variance"] == "0"
        else:
            assert not at.warning
            assert shown["kept value"] == ("3" if variant == "inverted" else "1.5")


def test_controls_change_the_experiment():
    at = open_page(keep_prob="0.2")
    at.slider(key="expected_x").set_value(-1.2).run()
    at.radio(key="expected_variant").set_value("standard").run()
    at.select_slider(key="expected_samples").set_value(20_000).run()
    assert not at.exception
    experiment = lm.unit_experiment(-1.2, 0.2, 20_000, 0, inverted=False)
    shown = metrics(at)
    assert shown["mean of 20,000 masks"] == f"{experiment.mc_mean:.4g}"
    assert shown["E[out], formula"] == f"{-0.24:.4g}"
    assert any("unscaled activation" in str(spec) for spec in chart_specs(show_view(at, VIEW, "Running mean")))


def test_controls_read_from_the_link():
    at = open_page(keep_prob="0.5", expected_x="-0.7", expected_variant="standard", expected_samples="500")
    assert at.slider(key="expected_x").value == pytest.approx(-0.7)
    assert at.radio(key="expected_variant").value == "standard"
    assert at.select_slider(key="expected_samples").value == 500
    assert "mean of 500 masks" in metrics(at)
    assert not at.warning


@pytest.mark.parametrize(
    "key, bad",
    [("expected_x", "abc"), ("expected_x", "5"), ("expected_x", "nan"), ("expected_variant", "sideways"),
     ("expected_samples", "-1"), ("expected_samples", "123"), ("expected_samples", "1e9")],
)
def test_bad_link_values_warn_and_fall_back(key, bad):
    at = open_page(keep_prob="0.5", **{key: bad})
    assert any(key in w.value for w in at.warning)
    assert at.slider(key="expected_x").value == pytest.approx(1.5)
    assert at.radio(key="expected_variant").value == "inverted"
    assert at.select_slider(key="expected_samples").value == 2_000


def test_intro_gives_each_variants_kept_value():
    intro = open_page(keep_prob="0.5").markdown[0].value
    assert "scaled up (kept" not in intro  # standard dropout does not scale kept values
    assert "`x / keep_prob` in inverted dropout, `x` itself in standard dropout" in intro


@pytest.mark.parametrize("variant", ["inverted", "standard"])
def test_layer_caption_counts_the_units_within_the_noise(variant):
    at = open_view(PAGE, VIEW, "Layer", {"keep_prob": "0.05", "expected_variant": variant})
    layer = lm.layer_moments(lm.synthetic_layer().activations[0], 0.05, 2_000, 0, inverted=variant == "inverted")
    caption = next(c.value for c in at.caption if c.value.startswith("The same averaging"))
    assert f"for {layer.units_within_noise} of 16 units" in caption
    assert "lands on" not in caption


def test_a_rounding_residue_reads_as_zero():
    at = open_page(keep_prob="0.05", expected_variant="standard")  # seed 0: mean 0.075 - 1.4e-17
    assert all("e-1" not in str(m.proto.delta) for m in at.metric)


def test_a_silent_unit_has_no_variance_to_explode():
    at = open_view(PAGE, VIEW, "Variance", {"keep_prob": "0.5", "expected_x": "0"})
    text = " ".join(c.value for c in at.caption) + at.success[0].value
    assert "the variance is 0 at every keep_prob" in text and "grows without bound" not in text
    at = open_view(PAGE, VIEW, "Variance", {"keep_prob": "0.5", "expected_x": "1.5"})
    assert "(here 2.25)" in at.success[0].value  # 1.5² (1 − 0.5) / 0.5
