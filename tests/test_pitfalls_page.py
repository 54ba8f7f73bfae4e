"""The page "Pitfalls" through AppTest: every view at keep_prob 0, 0.5 and 1, each with its buggy line, its fix,
its charts and its "how to spot it"; the sentences are the core's for the numbers shown; the tools section."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from core import pitfalls as pf
from tests.conftest import chart_specs, decode_arrays, live_state, open_page_via_home, open_tools, open_view
from ui import live
from ui.cached import pitfalls as cached
from ui.cached import training
from ui.figures import pitfalls as figures
from ui.figures.training import digit_grid

PAGE = "pages/pitfalls.py"
VIEW = "pitfalls_view"
VIEWS = ("Left on at test time", "Mask shape", "Flipped comparison", "Training loss", "Before BatchNorm",
         "Activation order")
# What each view must show: a phrase of its buggy code, of its fix, and of each chart's title.
EXPECTED = {
    "Left on at test time": ("model.train()", "model.eval()", ("10 calls on image", "Test image")),
    "Mask shape": ("rng.random((N, 1))", "rng.random(a.shape) < keep_prob",
                   ("(N, 1): per example", "(1, D): per unit", "(N, D): per entry", "Kept, per example and per unit")),
    "Flipped comparison": ("> keep_prob", "< keep_prob", ("Flipped comparison",)),
    "Training loss": ("loss.item()", "model.eval()", ("three losses",)),
    "Before BatchNorm": ("nn.Dropout(p=", "after the last BN",
                         ("The variance BatchNorm sees", "BatchNorm's output at test time")),
    "Activation order": ("sigmoid(dropout(z))", "dropout(sigmoid(z))", ("ReLU: orders agree",
                                                                        "sigmoid:", "tanh:")),
}


def _small_run(keep_prob: float, seed: int) -> training.DigitsRun:
    return training.DigitsRun(n_train=200, keep_prob=keep_prob, epochs=5, width=64, seed=seed)


@pytest.fixture(autouse=True)
def _small_model(monkeypatch):
    """The page's network is the Training lab's default (40 epochs on 1000 images): too slow for a test."""
    monkeypatch.setattr(cached, "lab_run", _small_run)


def _titles(at: AppTest) -> str:
    return " ".join(spec["layout"]["title"]["text"] for spec in chart_specs(at))


def _markdown(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown]


@pytest.mark.parametrize("keep_prob", ["0", "0.5", "1"])
def test_every_view_shows_bug_fix_charts_and_how_to_spot_it(keep_prob):
    for view in VIEWS:
        at = open_view(PAGE, VIEW, view, {"keep_prob": keep_prob, "seed": "2"}, timeout=120)
        where = f"{view} at keep_prob {keep_prob}"
        assert at.title[0].value == "Pitfalls"
        bug, fix, titles = EXPECTED[view]
        code = " ".join(c.value for c in at.code)
        assert bug in code and fix in code, where
        shown = _titles(at)
        for title in titles:
            assert title in shown, (where, title, shown)
        assert any(i.value.startswith("**How to spot it:**") for i in at.info), where
        assert not any("nan" in m.value.lower() or "inf" == m.value for m in at.metric), where
        assert f"/pitfalls?keep_prob={keep_prob}&seed=2&{VIEW}=" in " ".join(c.value for c in at.code), where
        if keep_prob == "0":
            assert any("keep_prob = 0" in w.value for w in at.warning), where
        if keep_prob == "1":
            assert any("nothing is dropped" in i.value for i in at.info), where


@pytest.mark.parametrize("keep_prob", [0.0, 0.35, 1.0])
def test_the_sentences_are_the_cores_for_the_numbers_shown(keep_prob):
    query = {"keep_prob": str(keep_prob), "seed": "0"}
    network = training.digits_result(_small_run(keep_prob, 0))
    _, X_test, _, y_test = training.digits_split(0)
    case = pf.dropout_left_on(network, X_test, y_test, cached.N_CALLS, rng=0)
    at = open_view(PAGE, VIEW, "Left on at test time", query, timeout=120)
    assert pf.left_on_summary(case, keep_prob) in _markdown(at)
    assert f"{100 * case.error_off:.2f}%" in [m.value for m in at.metric]
    history = network.history
    gap = pf.loss_gap(history["epoch"], history["train_loss"], history["train_loss_eval"], history["test_loss"])
    at = open_view(PAGE, VIEW, "Training loss", query, timeout=120)
    assert pf.loss_summary(gap, keep_prob) in _markdown(at)
    assert f"{gap.train_loss_eval:.4f}" in [m.value for m in at.metric]
    at = open_view(PAGE, VIEW, "Flipped comparison", query)
    assert pf.flipped_summary(keep_prob) in _markdown(at)
    at = open_view(PAGE, VIEW, "Before BatchNorm", query)
    assert pf.variance_summary(pf.variance_shift(keep_prob, 0)) in _markdown(at)
    at = open_view(PAGE, VIEW, "Activation order", query)
    assert pf.order_summary(pf.activation_order(keep_prob, 0)) in _markdown(at)


def test_the_first_view_opens_by_default_and_the_tools_section_works():
    at = open_page_via_home(PAGE, {"keep_prob": "0.7"}, timeout=120)
    assert at.session_state[VIEW] == VIEWS[0]
    assert not at.get("download_button")  # the tools section is closed: nothing built
    open_tools(at, "pitfalls")
    labels = [str(button.proto.label) for button in at.get("download_button")]
    assert any("mask (N, D)" in label for label in labels) and any("activation order" in label for label in labels)
    assert any("def dropout_left_on" in c.value for c in at.code)
    assert any("def activation_order" in c.value for c in at.code)


def _live_elements(at: AppTest) -> dict:
    """The view's ui.live components by the key the page gave them."""
    return {node.key.removeprefix("live_"): node for node in at._tree
            if getattr(node, "type", None) == "bidi_component"}


def _same_spec(state, fig) -> bool:
    expected = json.loads(fig.to_json())
    return (json.dumps(decode_arrays(state["data"]), sort_keys=True)
            == json.dumps(decode_arrays(expected["data"]), sort_keys=True))


@pytest.mark.parametrize("view", ["Left on at test time", "Training loss"])
def test_the_views_on_the_trained_network_are_live_only_when_every_run_is_at_hand(view):
    """Not live while the network is trained at this keep_prob only (the notice says why); live once the run of
    every slider value is remembered, each state from that keep_prob's own network."""
    query = {"keep_prob": "0.5", "seed": "2"}
    at = open_view(PAGE, VIEW, view, query, timeout=120)
    assert not _live_elements(at) and at.get("plotly_chart")
    notice = next(c.value for c in at.caption if c.value.startswith(live.NOT_LIVE))
    assert "for seed 2 it is not yet trained at all 21 values of the slider" in notice
    for q in live.keep_prob_states(0.5):  # what the disk store holds for the default seed, here in memory
        training.digits_result(_small_run(q, 2))
    assert cached.lab_networks_ready(live.keep_prob_states(0.5), 2)
    at = open_view(PAGE, VIEW, view, query, timeout=120)
    assert not at.get("plotly_chart") and not any(c.value.startswith(live.NOT_LIVE) for c in at.caption)
    elements = _live_elements(at)
    for q in (0.05, 0.8):
        network = training.digits_result(_small_run(q, 2))
        if view == "Training loss":
            h = {name: network.history[name].to_numpy(dtype=float)  # as the page's cached wrapper reads them
                 for name in ("epoch", "train_loss", "train_loss_eval", "test_loss")}
            fig = figures.loss_figure(h["epoch"], h["train_loss"], h["train_loss_eval"], h["test_loss"], q)
            assert _same_spec(live_state(elements["pitfalls_losses"], q), fig)
            gap = pf.loss_gap(h["epoch"], h["train_loss"], h["train_loss_eval"], h["test_loss"])
            numbers = live_state(elements["pitfalls_loss_metrics"], q)
            assert numbers["training loss, dropout off"] == f"{gap.train_loss_eval:.4f}"
        else:
            _, X_test, _, y_test = training.digits_split(2)
            case = pf.dropout_left_on(network, X_test, y_test, cached.N_CALLS, rng=2)
            fig = figures.calls_figure(case.call_proba, case.eval_proba, case.image_index)
            assert _same_spec(live_state(elements["pitfalls_calls"], q), fig)
            digit = digit_grid(case.image[None, :], [case.label], [case.eval_prediction],
                               title=f"Test image {case.image_index}", columns=1, height=260)
            assert _same_spec(live_state(elements["pitfalls_digit"], q), digit)
            numbers = live_state(elements["pitfalls_left_on_metrics"], q)
            assert numbers["test error, dropout off"] == f"{100 * case.error_off:.2f}%"
