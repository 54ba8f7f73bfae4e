"""The lesson "Backprop and gradients" under AppTest: every view runs at keep_prob 0, a middle value and 1,
every backward variant selectable (bugs fail, the correct backward passes), both batch sizes, bad links warned."""

from __future__ import annotations

import math

import pytest
from streamlit.testing.v1 import AppTest

from core import two_layer
from tests.conftest import chart_count, open_page_via_home, open_view, show_view

PAGE = "pages/backprop.py"
VIEW = "bp_view"
CHARTS_PER_VIEW = {"Gradient flow": 1, "Gradient check": 2, "Zero updates": 2}
VARIANT_LABELS = ["correct backward", "no 1/keep_prob in backward", "new mask in backward", "scaled twice",
                  "mask redrawn in the check"]


def open_page(view: str = "Gradient flow", **query: str) -> AppTest:
    """The page with the view `view` open (by the link, as a shared link opens it)."""
    return open_view(PAGE, VIEW, view, query, check=False)


def _check_metric(at: AppTest) -> float:
    return float(next(m for m in at.metric if m.label.startswith("relative difference")).value)


@pytest.mark.parametrize("keep_prob", ["0", "0.5", "1"])
def test_page_runs_and_the_correct_backward_passes(keep_prob):
    views = {label: open_page(label, keep_prob=keep_prob) for label in CHARTS_PER_VIEW}
    for label, at in views.items():
        assert not at.exception, (label, at.exception)
        assert at.session_state[VIEW] == label
        assert at.title[0].value == "Backprop and gradients"
        assert chart_count(at) == CHARTS_PER_VIEW[label], label
        assert len(at.latex) >= 3
        if keep_prob == "0":
            assert any("every hidden unit is dropped" in w.value for w in at.warning)
        if keep_prob == "1":
            assert any("nothing is dropped" in i.value for i in at.info)
    at = views["Gradient check"]
    assert at.radio(key="bp_variant").value == "correct backward"
    assert _check_metric(at) < 1e-7
    table = views["Gradient flow"].dataframe[0].value
    assert list(table.columns) == ["dh", "mask", "mask/keep_prob", "dh·mask/keep_prob"]
    assert not table.isna().any().any()
    if keep_prob == "0":
        assert (table["dh·mask/keep_prob"] == 0).all()
    if keep_prob == "1":
        assert (table["mask/keep_prob"] == 1).all()


def test_every_bug_fails_the_check_at_a_middle_keep_prob():
    at = open_page("Gradient check", keep_prob="0.5", seed="0")
    for label in VARIANT_LABELS[1:]:
        at.radio(key="bp_variant").set_value(label).run()
        assert not at.exception
        error = _check_metric(at)
        assert error > 1e-2, (label, error)
        assert at.error, label
    at.radio(key="bp_variant").set_value("no 1/keep_prob in backward").run()
    assert math.isclose(_check_metric(at), (1 - 0.5) / (1 + 0.5), rel_tol=1e-3)


def test_bugs_are_invisible_at_keep_prob_one_and_the_page_says_why():
    at = open_page("Gradient check", keep_prob="1", bp_variant="scaled twice")
    assert not at.exception
    assert _check_metric(at) < 1e-7
    assert any("Passes here by luck" in w.value for w in at.warning)


def test_batch_of_four_examples():
    at = open_page_via_home(PAGE, {"keep_prob": "0.3", "seed": "2"})  # no view in the link: show_view can switch
    at.radio(key="bp_examples").set_value("4").run()
    assert not at.exception
    assert "(example 0)" in " ".join(m.value for m in at.markdown)
    assert _check_metric(show_view(at, VIEW, "Gradient check")) < 1e-7


def test_bad_links_for_the_page_controls_warn_and_fall_back():
    for raw in ("abc", "-1", "nan"):
        at = open_page("Gradient check", bp_variant=raw, bp_examples=raw)
        assert not at.exception
        warnings = " ".join(w.value for w in at.warning)
        assert "bp_variant" in warnings and "bp_examples" in warnings
        assert at.radio(key="bp_variant").value == "correct backward"
        assert at.radio(key="bp_examples").value == "1"


def _all_dropped_seed(keep_prob: float, n_examples: int, *, new_mask_passes: bool | None = None) -> int:
    """A seed whose lesson mask drops every hidden unit (and whose fresh 'new mask' keeps one, or not)."""
    for seed in range(500):
        case = two_layer.lesson_case(seed, keep_prob, n_examples)
        if case.mask.any():
            continue
        if new_mask_passes is None or two_layer.check_every_variant(case)["new_mask"].passes == new_mask_passes:
            return seed
    raise AssertionError("no such seed in 500")


@pytest.mark.parametrize(("keep_prob", "n_examples", "chance", "exponent", "new_mask_passes"), [
    (0.5, 1, "1.6%", 6, False),  # (1 - 0.5)^6
    (0.05, 1, "73.5%", 6, True),  # 0.95^6, and a fresh mask that drops every unit too
    (0.05, 4, "29.2%", 24, False),  # 0.95^24
])
def test_an_all_dropped_draw_says_its_probability_and_which_bugs_still_fail(keep_prob, n_examples, chance,
                                                                          exponent, new_mask_passes):
    seed = _all_dropped_seed(keep_prob, n_examples, new_mask_passes=new_mask_passes)
    at = open_page("Gradient flow", keep_prob=str(keep_prob), seed=str(seed), bp_examples=str(n_examples))
    assert not at.exception
    note = next(i.value for i in at.info if "drops all 6 hidden units" in i.value)
    assert f"(1 − keep_prob)^{exponent} = {chance}" in note
    passes, fails = note.split("It still fails")
    checks = two_layer.check_every_variant(two_layer.lesson_case(seed, keep_prob, n_examples))
    for label, variant in zip(VARIANT_LABELS[1:], ("no_scale", "new_mask", "scaled_twice", "redrawn"), strict=True):
        assert (f"*{label}*" in passes) == checks[variant].passes, label  # the note follows the core's checks
        assert (f"*{label}*" in fails) == (not checks[variant].passes), label
    assert "*no 1/keep_prob in backward*" in passes and "*scaled twice*" in passes  # nothing to scale
    assert "*mask redrawn in the check*" in fails
    assert ("*new mask in backward*" in passes) == new_mask_passes
    assert ("or use 4 examples" in note) == (n_examples == 1)


def test_zero_gradient_view_says_momentum_still_moves_the_weights():
    at = open_page("Zero updates", keep_prob="0.5", seed="0")
    text = " ".join(m.value for m in at.markdown)
    assert "plain gradient descent (no momentum, no weight decay)" in text
    assert "With momentum" in text


def test_redrawn_check_fails_without_blaming_the_backward():
    at = open_page("Gradient check", keep_prob="0.5", bp_variant="mask redrawn in the check")
    assert not at.exception
    assert "though backward is right" in at.error[0].value
    assert "ε" in " ".join(m.value for m in at.markdown) and "±h" not in " ".join(m.value for m in at.markdown)


def test_intro_and_notation_follow_the_net():
    at = open_page("Gradient flow", keep_prob="0.5")
    n_in, n_hidden, n_classes = two_layer.lesson_case(0, 0.5, 1).x.shape[1], 6, 3
    assert f"{n_in} inputs → {n_hidden} hidden ReLU units → {n_classes} classes" in at.markdown[0].value
    notation = next(c.value for c in at.caption if c.value.startswith("Notation"))
    assert "softmax" in notation and "cross-entropy" in notation and "ds = ∂L/∂s" in notation
