"""AppTest of the lesson "Masks": every view runs clean at keep_prob 0, 0.5 and 1, the iteration
buttons and the URL-bound iteration work, and a bad link value gives a visible warning."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from core import lessons_masks as lm
from tests.conftest import chart_specs, open_page_via_home, open_view

PAGE = "pages/masks.py"
ITERATION = "masks_iteration"
VIEW = "masks_view"
CHARTS_PER_VIEW = {"Grids": 4, "Network": 1, "Fraction kept": 1}


def open_page(**query) -> AppTest:
    return open_page_via_home(PAGE, query)


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def chart_titles(at: AppTest) -> list[str]:
    return [spec["layout"]["title"]["text"] for spec in chart_specs(at)]


@pytest.mark.parametrize("keep_prob", ["0", "0.3", "1"])
def test_page_runs_clean(keep_prob):
    views = {label: open_view(PAGE, VIEW, label, {"keep_prob": keep_prob, "seed": "4"}) for label in CHARTS_PER_VIEW}
    for label, count in CHARTS_PER_VIEW.items():
        titles = chart_titles(views[label])
        assert len(titles) == count, label
        assert not any("nan" in t.lower() for t in titles)
    assert any("Mask m of forward pass 1" in t for t in chart_titles(views["Grids"]))
    view = lm.masked_layer(lm.synthetic_layer().activations, float(keep_prob), 4, 1)
    for at in views.values():  # the title, metrics and notices above the views, in every view
        assert at.title[0].value == "Masks"
        assert metric(at, "kept by this mask") == f"{view.n_kept} of 128"
        assert metric(at, "fraction kept") == f"{view.kept_fraction:.3f}"
        if keep_prob == "0":
            assert metric(at, "scale 1 / keep_prob") == "undefined"
            assert any("every unit is dropped" in w.value for w in at.warning)
        elif keep_prob == "1":
            assert metric(at, "scale 1 / keep_prob") == "1"
            assert any("nothing is dropped" in i.value for i in at.info)
        else:
            assert metric(at, "scale 1 / keep_prob") == f"{1 / 0.3:.3g}"
            assert not at.warning


def test_next_iteration_draws_a_new_mask():
    at = open_page(keep_prob="0.5")
    at.button(key="masks_next").click().run()
    assert not at.exception
    assert at.number_input(key=ITERATION).value == 2
    view = lm.masked_layer(lm.synthetic_layer().activations, 0.5, 0, 2)
    assert metric(at, "kept by this mask") == f"{view.n_kept} of 128"
    assert any("Mask m of forward pass 2" in t for t in chart_titles(at))
    at.button(key="masks_next_10").click().run()
    assert not at.exception
    assert at.number_input(key=ITERATION).value == 12


def test_iteration_input_and_its_upper_bound():
    at = open_page(keep_prob="0.5")
    at.number_input(key=ITERATION).set_value(lm.MAX_ITERATION - 3).run()
    at.button(key="masks_next_10").click().run()
    assert not at.exception
    assert at.number_input(key=ITERATION).value == lm.MAX_ITERATION
    assert at.button(key="masks_next").disabled and at.button(key="masks_next_10").disabled


def test_iteration_from_the_link():
    at = open_page(keep_prob="0.5", **{ITERATION: "7"})
    assert at.number_input(key=ITERATION).value == 7
    assert any("Mask m of forward pass 7" in t for t in chart_titles(at))
    assert not at.warning


def test_sidebar_controls_drive_the_page():
    at = open_page(keep_prob="0.5")
    at.number_input(key="seed").set_value(11).run()
    at.slider(key="keep_prob").set_value(0.8).run()
    assert not at.exception
    view = lm.masked_layer(lm.synthetic_layer().activations, 0.8, 11, 1)
    assert metric(at, "kept by this mask") == f"{view.n_kept} of 128"


@pytest.mark.parametrize("bad", ["abc", "-1", "501", "nan", "2.5"])
def test_bad_iteration_in_the_link_warns_and_falls_back(bad):
    at = open_page(keep_prob="0.5", **{ITERATION: bad})
    shown = round(at.number_input(key=ITERATION).value)  # a whole-number input that stores a float
    assert shown == (2 if bad == "2.5" else 1)  # Streamlit reads "2.5" as 2: the warning must say so
    warnings = [w.value for w in at.warning if ITERATION in w.value]
    assert len(warnings) == 1 and f"forward pass {shown} is shown" in warnings[0]


def test_intro_names_the_standard_form_and_no_claim_about_every_framework():
    at = open_page(keep_prob="0.5")
    intro = at.markdown[0].value
    assert "every framework" not in intro
    assert "PyTorch, Keras/TensorFlow and most frameworks" in intro
    assert intro.index("*Inverted*") < intro.index("*standard*") and "*Train vs test*" in intro


@pytest.mark.parametrize(("iteration", "expected"), [("1", "This is the first mask"), ("12", "Over all 12 masks")])
def test_fraction_caption_follows_the_number_of_passes(iteration, expected):
    at = open_view(PAGE, VIEW, "Fraction kept", {"keep_prob": "0.5", ITERATION: iteration})
    history = lm.kept_history(lm.synthetic_layer().activations.shape, 0.5, 0, int(iteration))
    caption = next(c.value for c in at.caption if c.value.startswith("One mask of 128"))
    assert expected in caption and "all 1 masks" not in caption
    if iteration != "1":
        assert f"{history.running_fraction[-1]:.3f}" in caption
