"""The Training lab page through AppTest, on small settings (few epochs, few images) so it runs in seconds."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest
from streamlit.testing.v1 import AppTest

from core import mlp
from tests.conftest import chart_specs, open_page_via_home, open_view, show_view
from ui import training_text as text
from ui.cached import training as cached

PAGE = "pages/training_lab.py"
SMALL = {"lab_train_size": "100", "lab_epochs": "5", "lab_width": "64", "lab_points": "50"}
VIEW = "lab_view"


def _open(query: dict[str, str], view: str | None = None) -> AppTest:
    if view is not None:
        return open_view(PAGE, VIEW, view, query, check=False, timeout=120)
    return open_page_via_home(PAGE, query, check=False, timeout=120)


def _trace_names(at: AppTest) -> list[str]:
    return [trace.get("name", "") for spec in chart_specs(at) for trace in spec["data"]]


def _chart_titles(at: AppTest) -> list[str]:
    """The titles of every chart on the page, st.plotly_chart and live charts (ui.live) alike."""
    return [spec["layout"]["title"]["text"] for spec in chart_specs(at)]


@pytest.mark.parametrize("keep_prob", ["0", "0.5", "1"])
def test_page_runs_at_extreme_and_middle_keep_prob(keep_prob):
    at = _open({**SMALL, "keep_prob": keep_prob})
    assert not at.exception
    assert at.title[0].value == "Training lab"
    values = [metric.value for metric in at.metric]
    assert len(values) == 4
    assert not any("nan" in value.lower() for value in values)
    for value in values[:2]:  # test errors, in percent
        assert 0.0 <= float(value.rstrip("%")) <= 100.0 and math.isfinite(float(value.rstrip("%")))
    titles = " ".join(_chart_titles(at))
    for expected in ("Error: train", "Cross-entropy loss", "Generalisation gap", "Share of hidden units"):
        assert expected in titles
    if keep_prob == "0":
        assert any("keep_prob = 0" in w.value for w in at.warning)
    if keep_prob == "1":
        assert any("nothing is dropped" in i.value for i in at.info)
    assert at.success  # the "What to notice" box
    for view, expected in (("Misclassified digits", "Misclassified test digits"),
                           ("Decision boundaries", "no dropout")):
        shown = _open({**SMALL, "keep_prob": keep_prob}, view)
        assert not shown.exception, (view, shown.exception)
        assert expected in " ".join(_chart_titles(shown)), view
        assert not shown.metric  # the learning curves' numbers belong to their own view


def test_every_control():
    at = _open({**SMALL, "keep_prob": "0.5"})
    # Several widgets per rerun: each rerun retrains, so fewer reruns keep the test fast.
    at.slider(key="lab_keep_prob_input").set_value(0.8)
    at.slider(key="lab_epochs").set_value(10)
    at.select_slider(key="lab_width").set_value(128)
    at.select_slider(key="lab_train_size").set_value(200)
    at.run()
    assert not at.exception
    assert any("input 0.80" in name for name in _trace_names(at))
    epochs_shown = [trace for spec in chart_specs(at) for trace in spec["data"]
                    if trace.get("name", "").startswith("test, no dropout")]
    assert epochs_shown
    show_view(at, VIEW, "Decision boundaries")
    at.radio(key="lab_shape").set_value("spirals")
    at.slider(key="lab_noise").set_value(0.1)
    at.select_slider(key="lab_points").set_value(100)
    at.run()
    assert not at.exception
    assert at.radio(key="lab_shape").value == "spirals"


def test_the_sweep_runs_only_when_asked():
    at = _open({**SMALL, "keep_prob": "0.5"}, "keep_prob sweep")
    assert not any("Error against keep_prob" in title for title in _chart_titles(at))
    at.button(key="lab_sweep").click().run()
    assert not at.exception
    assert any("Error against keep_prob" in title for title in _chart_titles(at))
    sweep = next(spec for spec in chart_specs(at) if "Error against keep_prob" in spec["layout"]["title"]["text"])
    assert len(sweep["data"]) == 4  # test and train for each of the two designs
    rows = [(design, q, units, *cached.sweep_point(100, q, units, 0)) for design, q, units in cached.sweep_plan()]
    assert [s.value for s in at.success] == [f"**What to notice:** {text.sweep_notice(cached.sweep_table(rows))}"]


@pytest.mark.parametrize(
    "bad",
    [
        # A rejected value falls back to its default (1000 images, 40 epochs, 256 units, ...): each case
        # keeps the other settings small so that the fallback stays fast.
        {"lab_train_size": "abc", "lab_keep_prob_input": "nan", "lab_shape": "circles", "lab_noise": "9"},
        {"lab_epochs": "-1", "lab_points": "3.5", "lab_keep_prob_input": "-1"},
        {"lab_width": "7", "lab_train_size": "50"},
    ],
)
def test_bad_links_are_rejected_with_a_message(bad):
    small = {"lab_train_size": "100", "lab_epochs": "5", "lab_width": "64", "lab_points": "50"}
    at = _open({**small, **bad, "keep_prob": "0.5"}, "Decision boundaries")  # the view of the toy-set controls
    assert not at.exception
    warned = " ".join(w.value for w in at.warning)
    for key in bad:
        assert f"`{key}=" in warned, key


def test_a_finished_run_is_remembered_and_replayed_at_once():
    run = cached.DigitsRun(n_train=100, keep_prob=0.5, epochs=3, width=16, seed=1)
    assert not cached.is_trained(run)
    streamed = list(cached.paired_stream(run, min_interval=0.0))
    assert streamed[-1][2] is True
    with_dropout, without_dropout, _ = streamed[-1]
    assert len(with_dropout.history) == 3 and without_dropout.config.keep_prob == 1.0
    assert cached.is_trained(run)
    replay = list(cached.paired_stream(run))  # remembered: the final pair at once, no training
    assert len(replay) == 1 and replay[0][2] is True
    assert replay[0][0].history.equals(with_dropout.history)
    assert cached.digits_result(run).history.equals(with_dropout.history)


def test_keep_prob_one_trains_a_single_run_for_both_curves():
    run = cached.DigitsRun(n_train=100, keep_prob=1.0, keep_prob_input=1.0, epochs=2, width=16, seed=1)
    *_, (with_dropout, without_dropout, done) = cached.paired_stream(run, min_interval=0.0)
    assert done and with_dropout is without_dropout


def test_a_dropout_network_that_has_not_learned_is_called_out():
    """At keep_prob 0.05 the dropout run stays near chance: the page says so, with the run's own numbers."""
    at = _open({**SMALL, "keep_prob": "0.05"})
    assert not at.exception
    called_out = [w.value for w in at.warning if "has not learned" in w.value]
    assert len(called_out) == 1
    assert "keep_prob 0.05" in called_out[0] and "about 3 of the 64 units" in called_out[0] and "by 20" in called_out[0]
    silent = max(cached.sparsity(cached.DigitsRun(100, 0.05, 1.0, 5, 64, 0))[0]["dropout 0.05"])
    assert ("gone silent" in called_out[0]) == (silent >= 0.95)
    learned = _open({**SMALL, "lab_epochs": "30", "keep_prob": "0.5"})  # the control: this one does learn
    assert not learned.exception
    assert not any("has not learned" in w.value for w in learned.warning)


def _texts(at: AppTest) -> str:
    return " ".join([m.value for m in at.markdown] + [c.value for c in at.caption] + [s.value for s in at.success])


def test_the_recipe_text_comes_from_the_recipe_the_runs_use():
    """The epochs help and the caption print core.mlp.describe_recipe of the configuration the page's runs have."""
    at = _open({**SMALL, "keep_prob": "0.5"})
    assert not at.exception
    trained = cached.digits_result(cached.DigitsRun(100, 0.5, 1.0, 5, 64, 0)).config
    assert replace(trained, keep_prob=mlp.RECIPE.keep_prob, epochs=mlp.RECIPE.epochs, hidden=mlp.RECIPE.hidden,
                   seed=mlp.RECIPE.seed) == mlp.RECIPE
    recipe = mlp.describe_recipe(trained)
    assert recipe in at.slider(key="lab_epochs").help
    caption = next(c for c in at.caption if c.value.startswith("Network 64"))
    assert recipe in caption.value and "Adam" not in caption.value
    for term in ("He initialisation", "Momentum 0.9", "Cosine decay"):  # the tooltip glosses each term
        assert term in caption.proto.help
    intro = at.markdown[0].value
    assert "chosen at random by the sidebar's seed" in intro and "a fixed set of 797" not in intro


@pytest.mark.parametrize("keep_prob", ["0.05", "0.5", "1"])
def test_what_to_notice_and_the_loss_answer_follow_the_run(keep_prob):
    """The box and the loss sentence are the text functions of the page's own final numbers (so they cannot drift),
    and at keep_prob 0.05 the box agrees with the page's warning that the dropout network has not learned."""
    at = _open({**SMALL, "keep_prob": keep_prob})
    assert not at.exception
    q = float(keep_prob)
    run = cached.DigitsRun(100, q, 1.0, 5, 64, 0)
    with_dropout = cached.digits_result(run).history.iloc[-1]
    without_dropout = cached.digits_result(run.without_dropout()).history.iloc[-1]
    expected = text.curves_notice(with_dropout, without_dropout, keep_prob=q, keep_prob_input=1.0, n_train=100,
                                  scatter=cached.SEED_SCATTER[100])
    assert [s.value for s in at.success] == [f"**What to notice:** {expected}"]
    answer = text.loss_answer(with_dropout, without_dropout, keep_prob=q, keep_prob_input=1.0)
    assert answer in [m.value for m in at.markdown]
    if keep_prob == "0.05":
        assert any("has not learned" in w.value for w in at.warning)
        assert "has not learned" in expected and "both networks fit" not in expected
    if keep_prob == "0.5":
        assert f"{with_dropout['train_loss']:.3f}" in answer and f"{with_dropout['train_loss_eval']:.3f}" in answer
    assert f"±{cached.SEED_SCATTER[100]:g} points" in _texts(at)


def test_every_training_size_has_a_measured_scatter():
    assert set(cached.SEED_SCATTER) == set(cached.DIGITS_TRAIN_SIZES)
    values = [cached.SEED_SCATTER[n] for n in sorted(cached.SEED_SCATTER)]
    assert values == sorted(values, reverse=True)  # fewer training images, more scatter (as measured)


def test_other_views_have_their_own_notice():
    digits = _open({**SMALL, "keep_prob": "0.5"}, "Misclassified digits")
    assert not digits.exception
    assert len(digits.success) == 1 and "test digits wrong" in digits.success[0].value
    sweep = _open({**SMALL, "keep_prob": "0.5"}, "keep_prob sweep")
    assert not sweep.success  # nothing measured yet, nothing to notice
    toy = _open({**SMALL, "keep_prob": "0.5"}, "Decision boundaries")
    assert len(toy.success) == 1 and "without dropout" in toy.success[0].value
