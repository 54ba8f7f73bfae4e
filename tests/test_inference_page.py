"""The Inference page through AppTest, with a small model swapped in so that it trains in a second."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import chart_specs, open_page_via_home, open_view, show_view
from ui.cached import training as cached

PAGE = "pages/inference.py"
SMALL = {"inf_max_k": "20", "inf_repeats": "2", "inf_samples": "10"}
VIEW = "inf_view"


@pytest.fixture(autouse=True)
def _small_model(monkeypatch):
    """The page's model is the Training lab's default (40 epochs on 1000 images): too slow for a test."""
    monkeypatch.setattr(cached, "INFERENCE_MODEL", cached.DigitsRun(n_train=200, epochs=5, width=64))


def _open(query: dict[str, str], view: str | None = None) -> AppTest:
    if view is not None:
        return open_view(PAGE, VIEW, view, query, check=False, timeout=120)
    return open_page_via_home(PAGE, query, check=False, timeout=120)


def _charts(at: AppTest) -> dict[str, dict]:
    specs = chart_specs(at)
    return {spec["layout"]["title"]["text"]: spec for spec in specs}


@pytest.mark.parametrize("keep_prob", ["0", "0.5", "1"])
def test_page_runs_at_extreme_and_middle_keep_prob(keep_prob):
    at = _open({**SMALL, "keep_prob": keep_prob})
    assert not at.exception
    assert at.title[0].value == "Inference"
    titles = " ".join(_charts(at))
    assert "averaging k sampled networks" in titles
    for view, expected in (("Why: the ReLU", ("How far the average",)),
                           ("Uncertainty", ("Predictive entropy", "Spread of p(class 1)", "most uncertain test digits",
                                            "right and wrong"))):
        shown = _open({**SMALL, "keep_prob": keep_prob}, view)
        assert not shown.exception, (view, shown.exception)
        for title in expected:
            assert title in " ".join(_charts(shown)), title
    values = [metric.value for metric in at.metric]
    assert len(values) == 3 and not any("nan" in v.lower() for v in values)
    if keep_prob == "0":
        assert any("keep_prob = 0" in w.value for w in at.warning)
    if keep_prob == "1":
        assert any("no unit is ever dropped" in i.value for i in at.info)
        # Every pass is the full network: MC equals weight scaling, so all three numbers agree.
        assert len(set(values)) == 1
    assert at.success


def test_every_control():
    at = _open({**SMALL, "keep_prob": "0.5"})
    at.select_slider(key="inf_max_k").set_value(50)
    at.slider(key="inf_repeats").set_value(4)
    at.run()
    assert not at.exception
    mc = next(spec for title, spec in _charts(at).items() if "averaging k sampled" in title)
    assert sum(trace.get("name") == "one repeat" for trace in mc["data"]) == 4
    show_view(at, VIEW, "Uncertainty")
    at.select_slider(key="inf_samples").set_value(20)
    at.radio(key="inf_shape").set_value("spirals")
    at.run()
    assert not at.exception
    assert at.radio(key="inf_shape").value == "spirals"


def test_bad_links_are_rejected_with_a_message():
    bad = {"inf_max_k": "abc", "inf_repeats": "-1", "inf_samples": "nan", "inf_shape": "circles"}
    at = _open({**bad, "keep_prob": "0.5"})
    assert not at.exception
    warned = " ".join(w.value for w in at.warning)
    for key in ("inf_max_k", "inf_repeats"):
        assert f"`{key}=" in warned, key
    at = _open({**bad, "keep_prob": "0.5"}, "Uncertainty")  # the view of the sample and toy-set controls
    assert not at.exception
    warned = " ".join(w.value for w in at.warning)
    for key in ("inf_samples", "inf_shape"):
        assert f"`{key}=" in warned, key


@pytest.mark.parametrize("keep_prob", [0.05, 0.8])
def test_the_words_follow_the_run(keep_prob):
    from ui.cached import inference as words
    from ui.state import DEFAULT_SEED

    query = {**SMALL, "keep_prob": str(keep_prob)}
    run = cached.inference_run(keep_prob, DEFAULT_SEED)
    at = _open(query)
    assert not at.exception
    train_error, test_error = words.final_errors(run)
    captions = " ".join(c.value for c in at.caption)
    notice = at.success[0].value
    assert "half its units" not in captions and "every framework" not in notice
    if words.has_learned(train_error):
        ks, errors, weight_scaling_error = cached.mc_curve(run, int(SMALL["inf_max_k"]), int(SMALL["inf_repeats"]))
        assert words.mc_sentence(ks, errors, weight_scaling_error, keep_prob) in captions
        assert f"about {1 - keep_prob:.0%} of its hidden units missing" in captions
        assert "PyTorch, Keras/TensorFlow and most frameworks" in notice
    else:
        warned = [w.value for w in at.warning]
        assert words.not_learned_warning(keep_prob, train_error, test_error, run.epochs) in warned
        assert "has not learned" in notice
    relu = _open(query, "Why: the ReLU")
    relu_text = " ".join(" ".join(e.value for e in [*relu.caption, *relu.markdown]).split())
    assert words.logit_gap_sentence(*cached.logit_gaps(run)) in relu_text
    assert "averaged probabilities differ" in relu_text  # the chart is of logits; the first view averages probabilities
    uncertainty = _open(query, "Uncertainty")
    text = " ".join(" ".join(e.value for e in [*uncertainty.caption, *uncertainty.markdown]).split())
    assert "**Predictive entropy**" in text and "not the entropy, is its signal" in text
    shape, n_samples = cached.TOY_SHAPES[0], int(SMALL["inf_samples"])
    noise = cached.UNCERTAINTY_NOISE[shape]
    grid_x, grid_y, entropy_map, spread_map = cached.toy_uncertainty(shape, noise, cached.DEFAULT_TOY_SIZE, keep_prob,
                                                                     DEFAULT_SEED, n_samples)
    X_toy = cached.toy_data(shape, noise, cached.DEFAULT_TOY_SIZE, DEFAULT_SEED)[0]
    assert words.toy_sentence(grid_x, grid_y, entropy_map, spread_map, X_toy) in text
    *_, entropy, wrong = cached.ambiguous_digits(run, n_samples)
    assert words.entropy_sentence(entropy, wrong) in text
