"""The disk store of finished runs (ui.cached.store), the precompute step that fills it, and the pages reading it.

The suite normally runs with the store off (tests/conftest.py); every test here switches it on in its own
temporary folder, and shrinks the "default settings" so that a whole plan trains in seconds.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from core import mlp
from tests.conftest import live_data, live_state, open_view, open_without_live, spec_text
from ui import live
from ui.cached import precompute, store
from ui.cached import training as cached
from ui.state import SEED_MAX

SMALL_RUN = cached.DigitsRun(n_train=100, keep_prob=0.5, epochs=5, width=64)
SMALL_KEEP_PROBS = (0.5, 1.0)


@pytest.fixture
def store_on(tmp_path, monkeypatch):
    monkeypatch.setenv(store.STORE_ENV, str(tmp_path))
    return tmp_path


def _shrink(monkeypatch) -> None:
    """The pages' default settings made small (valid widget values), so a plan trains in seconds."""
    monkeypatch.setattr(cached, "DEFAULT_TRAIN_SIZE", 100)
    monkeypatch.setattr(cached, "DEFAULT_EPOCHS", 5)
    monkeypatch.setattr(cached, "DEFAULT_WIDTH", 64)
    monkeypatch.setattr(cached, "INFERENCE_MODEL", cached.DigitsRun(n_train=100, epochs=5, width=64))
    monkeypatch.setattr(cached, "DEFAULT_MC_MAX_K", 20)
    monkeypatch.setattr(cached, "DEFAULT_REPEATS", 2)
    monkeypatch.setattr(cached, "TOY_EPOCHS", 5)


@pytest.fixture
def small_defaults(store_on, monkeypatch):
    _shrink(monkeypatch)
    return store_on


@pytest.fixture(scope="module")
def _filled_folder(tmp_path_factory):
    """A store holding the whole plan (every keep_prob of the slider) of the small defaults: filled once for the
    module (a few seconds), then only read."""
    folder = tmp_path_factory.mktemp("filled_store")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(store.STORE_ENV, str(folder))
        _shrink(patch)
        precompute.run(precompute.plan())
    return folder


@pytest.fixture
def filled_store(_filled_folder, monkeypatch):
    """The small defaults with the store filled at all 21 keep_prob values of the slider."""
    monkeypatch.setenv(store.STORE_ENV, str(_filled_folder))
    _shrink(monkeypatch)
    return _filled_folder


def _no_training(monkeypatch):
    """From here on, any training fails loudly, and nothing is in memory: what a page shows must come from the
    store (as in a server whose store was filled by another process)."""
    import streamlit as st

    def refuse(*args, **kwargs):
        raise AssertionError("trained although the run should have come from the store")

    st.cache_data.clear()
    monkeypatch.setattr(mlp, "train_iter", refuse)


def test_a_stored_run_comes_back_exactly(store_on):
    result = cached.train_digits(SMALL_RUN)
    path = store.save_run(SMALL_RUN.key(), result)
    assert path is not None and path.is_relative_to(store_on) and path.suffix == ".npz"
    loaded = store.load_run(SMALL_RUN.key())
    assert loaded is not None and loaded.config == result.config and loaded.n_classes == result.n_classes
    for stored, trained in zip(loaded.network.weights + loaded.network.biases,
                               result.network.weights + result.network.biases, strict=True):
        assert stored.dtype == trained.dtype
        np.testing.assert_array_equal(stored, trained)
    pd.testing.assert_frame_equal(loaded.history, result.history)
    assert tuple(loaded.history.columns) == mlp.HISTORY_COLUMNS  # train_loss_eval included (the Pitfalls lesson
    assert np.isfinite(loaded.history["train_loss_eval"]).all()  # reads it from the stored runs)
    X = np.random.default_rng(0).random((7, 64))
    np.testing.assert_array_equal(mlp.predict_proba(loaded, X), mlp.predict_proba(result, X))


def test_a_run_stored_without_train_loss_eval_counts_as_missing(store_on):
    """A file of the older five-column history is not served (its history would lack a column)."""
    result = cached.train_digits(SMALL_RUN)
    older = mlp.TrainResult(result.network, result.config, tuple(row[:2] + row[3:] for row in result.records),
                            result.n_classes)
    store.save_run(SMALL_RUN.key(), older)
    assert store.load_run(SMALL_RUN.key()) is None
    store.save_run(SMALL_RUN.key(), result)
    assert store.load_run(SMALL_RUN.key()) is not None


def test_missing_damaged_or_foreign_files_count_as_missing(store_on):
    key, other = ("k", 1), ("k", 2)
    assert store.load_arrays(key) is None and not store.has(key)
    path = store.save_arrays(key, x=np.arange(3))
    np.testing.assert_array_equal(store.load_arrays(key)["x"], np.arange(3))
    path.rename(store._path(other))  # a file whose stored key is not the one asked for
    assert store.load_arrays(other) is None
    store._path(key).write_bytes(b"not an npz file")
    assert store.load_arrays(key) is None and store.load_run(key) is None
    assert not store.has(key)  # so the precompute step writes it again
    store.save_arrays(key, x=np.arange(3))  # not a run: no weights, no config
    assert store.load_run(key) is None


def test_the_store_can_be_switched_off(monkeypatch):
    monkeypatch.setenv(store.STORE_ENV, "off")
    assert store.store_dir() is None
    assert store.save_arrays(("k",), x=np.zeros(1)) is None
    assert store.load_arrays(("k",)) is None and not store.has(("k",))


def test_changing_the_training_code_starts_a_new_store(store_on, tmp_path, monkeypatch):
    code = tmp_path / "code.py"
    code.write_text("LEARNING_RATE = 0.03\n")
    monkeypatch.setattr(store, "CODE_FILES", (str(code),))
    before = store.store_dir()
    store.save_arrays(("k",), x=np.zeros(1))
    code.write_text("LEARNING_RATE = 0.05\n")
    assert store.store_dir() != before and store.store_dir().parent == before.parent
    assert store.load_arrays(("k",)) is None


def test_the_real_code_files_exist_and_decide_the_version():
    assert all((store.ROOT / name).is_file() for name in store.CODE_FILES)
    assert "ui/cached/training.py" in store.CODE_FILES  # the lessons' settings are part of a run, too


def test_the_plan_covers_every_slider_value_once():
    tasks = precompute.plan()
    keys = [task.key for task in tasks]
    assert len(keys) == len(set(keys))
    assert precompute.KEEP_PROBS == tuple(round(0.05 * i, 2) for i in range(21))
    for keep_prob in np.arange(21) * 0.05:  # the slider's own float values (0.15000000000000002, ...)
        assert cached.lab_default_run(keep_prob, 0).key() in keys
        assert cached.inference_run(keep_prob, 0).key() in keys
        assert cached.toy_key(cached.TOY_SHAPES[0], cached.DEFAULT_TOY_NOISE, cached.DEFAULT_TOY_SIZE, keep_prob,
                              0) in keys
        assert cached.mc_curve_key(cached.inference_run(keep_prob, 0), cached.DEFAULT_MC_MAX_K,
                                   cached.DEFAULT_REPEATS) in keys
    assert len(keys) == 3 * 21  # a digits run (Training lab and Inference share it), a curve and a toy run each
    assert keys[0] == cached.lab_default_run(1.0, 0).key()  # the partner of every run goes first
    assert cached.UNCERTAINTY_NOISE[cached.TOY_SHAPES[0]] == cached.DEFAULT_TOY_NOISE  # Inference reuses the toys
    assert precompute.plan(seed=SEED_MAX)[0].key[-1] == SEED_MAX


def test_a_digits_run_and_a_curve_are_read_from_the_store_not_trained(store_on, monkeypatch):
    store.save_run(SMALL_RUN.key(), cached.train_digits(SMALL_RUN))
    expected = cached.compute_mc_curve(SMALL_RUN, 20, 2)
    cached.store_mc_curve(SMALL_RUN, 20, 2)
    _no_training(monkeypatch)
    monkeypatch.setattr(cached, "compute_mc_curve", lambda *args: pytest.fail("computed instead of read"))
    assert cached.is_trained(SMALL_RUN.without_dropout()) is False  # not stored: it would have to train
    assert cached.digits_result(SMALL_RUN).history.shape[0] == SMALL_RUN.epochs
    ks, errors, weight_scaling = cached.mc_curve(SMALL_RUN, 20, 2)
    np.testing.assert_array_equal(ks, expected[0])
    np.testing.assert_array_equal(errors, expected[1])
    assert weight_scaling == expected[2]


def test_precompute_fills_the_store_once_and_stops_with_its_server(small_defaults, capsys):
    tasks = precompute.plan(keep_probs=SMALL_KEEP_PROBS)
    assert len(precompute.missing(tasks)) == len(tasks) == 6  # per keep_prob: a digits run, a curve, a toy run
    assert precompute.run(tasks, keep_going=lambda: False) == 0  # its server has gone: nothing is trained
    assert precompute.run(tasks) == len(tasks)
    assert not precompute.missing(tasks)
    assert precompute.run(tasks) == 0  # the second time there is nothing to do
    assert (small_defaults / store.code_version()).is_dir()


def test_precompute_command_line(small_defaults, monkeypatch, capsys):
    monkeypatch.setattr(precompute, "KEEP_PROBS", SMALL_KEEP_PROBS)
    assert precompute.main(["--seed", "0"]) == 0
    assert "6 of 6 runs computed" in capsys.readouterr().out
    assert precompute.main(["--seed", "0"]) == 0
    assert "0 of 6 runs computed" in capsys.readouterr().out
    monkeypatch.setenv(store.STORE_ENV, "off")
    assert precompute.main([]) == 0 and "switched off" in capsys.readouterr().out


@pytest.mark.parametrize(("page", "view_key", "views", "query"), [
    ("pages/training_lab.py", "lab_view", ("Learning curves", "Misclassified digits", "Decision boundaries"), {}),
    ("pages/inference.py", "inf_view", ("Weight scaling vs MC",), {"inf_max_k": "20", "inf_repeats": "2"}),
])
def test_default_views_never_train_once_precomputed(small_defaults, monkeypatch, page, view_key, views, query):
    precompute.run(precompute.plan(keep_probs=SMALL_KEEP_PROBS))
    _no_training(monkeypatch)
    for view in views:
        at = open_view(page, view_key, view, {**query, "keep_prob": "0.5"}, check=False, timeout=120)
        assert not at.exception, (view, at.exception)
        assert at.get("plotly_chart"), view
    # The control: a keep_prob that was not precomputed has to train, and here training fails.
    at = open_view(page, view_key, views[0], {**query, "keep_prob": "0.3"}, check=False, timeout=120)
    assert at.exception


def test_start_precompute_only_when_allowed_and_needed(small_defaults, monkeypatch):
    started = []
    monkeypatch.setattr(cached.subprocess, "Popen", lambda args, **kwargs: started.append(args) or "process")
    monkeypatch.setattr(precompute, "KEEP_PROBS", SMALL_KEEP_PROBS)
    monkeypatch.setenv(cached.PRECOMPUTE_ENV, "0")
    cached.start_precompute.clear()
    assert cached.start_precompute() is None and not started
    monkeypatch.setenv(cached.PRECOMPUTE_ENV, "1")
    cached.start_precompute.clear()
    assert cached.start_precompute() == "process"
    assert started[0][1:3] == ["-m", "ui.cached.precompute"] and "--parent" in started[0] and "--nice" in started[0]
    cached.start_precompute.clear()
    precompute.run(precompute.plan())  # everything stored: nothing to start
    assert cached.start_precompute() is None and len(started) == 1
    cached.start_precompute.clear()


@pytest.mark.parametrize("shape", cached.TOY_SHAPES)
@pytest.mark.parametrize("keep_prob", [0.05, 0.1])
def test_toy_networks_do_not_diverge_at_small_keep_prob(shape, keep_prob):
    """Kept units are scaled by 10-20x here; without the max-norm cap these runs ended in NaN weights."""
    result = cached.train_toy(shape, cached.UNCERTAINTY_NOISE[shape], cached.DEFAULT_TOY_SIZE, keep_prob, 0)
    assert all(np.isfinite(w).all() for w in result.network.weights)
    assert np.isfinite(result.history["train_loss"]).all()


# --- live views: with every keep_prob stored, the default views follow the slider; elsewhere they say why not ---

LAB = ("pages/training_lab.py", "lab_view")
INFERENCE = ("pages/inference.py", "inf_view")
LIVE_VIEWS = [(*LAB, "Learning curves"), (*LAB, "Misclassified digits"), (*LAB, "Decision boundaries"),
              (*INFERENCE, "Weight scaling vs MC")]


def _elements(at) -> list:
    return [node for node in at._tree if getattr(node, "type", None) == "bidi_component"]


def _not_live_captions(at) -> list[str]:
    return [caption.value for caption in at.caption if caption.value.startswith(live.NOT_LIVE)]


@pytest.mark.parametrize(("page", "key", "view"), LIVE_VIEWS, ids=[view for *_, view in LIVE_VIEWS])
def test_with_a_filled_store_the_default_views_are_live(filled_store, monkeypatch, page, key, view):
    """Every chart and headline row of the view is a ui.live component, built from stored runs only (training
    fails here), within the payload bound, and its state at each keep_prob is what the page draws there."""
    _no_training(monkeypatch)
    at = open_view(page, key, view, {"keep_prob": "0.5"}, timeout=120)
    elements = _elements(at)
    assert elements and not at.get("plotly_chart"), view
    assert not _not_live_captions(at), view
    assert sum(len(json.loads(element.proto.json)["bundle"]) for element in elements) <= live.MAX_BUNDLE_BYTES
    for keep_prob in (0.05, 0.8):
        drawn = open_without_live(page, {"keep_prob": str(keep_prob), key: view})
        charts = {node.key: json.loads(node.proto.spec) for node in drawn._tree
                  if getattr(node, "type", None) == "plotly_chart"}
        metrics = {metric.label: metric.value for metric in drawn.metric}
        for element in elements:
            state = live_state(element, keep_prob)
            if live_data(element)["bundle"]["kind"] == "metrics":
                assert state and all(metrics.get(label) == value for label, value in state.items()), (view, keep_prob)
                continue
            expected = charts[element.key.removeprefix("live_")]
            assert spec_text(state["data"]) == spec_text(expected["data"]), (view, element.key, keep_prob)
            assert spec_text(state["layout"]) == spec_text(expected["layout"]), (view, element.key, keep_prob)


@pytest.mark.parametrize(("page", "key", "view", "query", "says"), [
    (*LAB, "Learning curves", {"seed": "1"}, "for seed 0 only; for seed 1"),
    (*LAB, "Learning curves", {"keep_prob": "0.33"}, "keep_prob 0.33 lies between the slider's steps"),
    (*LAB, "Misclassified digits", {"lab_epochs": "10"}, "for the default settings only"),
    (*LAB, "Decision boundaries", {"lab_points": "50"}, "for the default settings only"),
    (*INFERENCE, "Weight scaling vs MC", {"inf_repeats": "3"}, "for the default settings only"),
    (*INFERENCE, "Why: the ReLU", {}, "not computed ahead of time"),
    (*INFERENCE, "Uncertainty", {}, "not computed ahead of time"),
], ids=["seed", "off-grid", "epochs", "points", "repeats", "relu", "uncertainty"])
def test_outside_the_store_a_view_is_drawn_on_release_and_says_why(filled_store, page, key, view, query, says):
    at = open_view(page, key, view, {"keep_prob": "0.5", **query}, timeout=120)
    charts = [node for node in _elements(at) if live_data(node)["bundle"]["kind"] == "chart"]
    assert at.get("plotly_chart") and not charts, view
    assert not any(live_data(node)["bundle"]["kind"] == "metrics" for node in _elements(at)), view
    captions = _not_live_captions(at)
    assert len(captions) == 1 and says in captions[0], captions


def test_a_store_still_being_filled_says_how_far_it_is(filled_store):
    missing = cached.lab_default_run(0.3, 0)
    path = store._path(missing.key())
    saved = path.read_bytes()
    path.unlink()
    try:
        at = open_view(*LAB, "Learning curves", {"keep_prob": "0.5"}, timeout=120)
        captions = _not_live_captions(at)
        assert len(captions) == 1 and "still being trained ahead of time (20 of 21 done)" in captions[0], captions
    finally:
        path.write_bytes(saved)
