"""ui/cached/inference.py: every sentence of the Inference lesson follows the numbers it is given."""

from __future__ import annotations

import numpy as np
import pytest

from ui.cached import inference as words

KS = np.array([1, 2, 5, 10, 100, 1000, 3000])


@pytest.mark.parametrize(("keep_prob", "missing"), [(0.8, "20%"), (0.5, "50%"), (0.05, "95%")])
def test_one_sampled_network_misses_the_share_the_slider_drops(keep_prob, missing):
    errors = np.array([[0.05, 0.03, 0.02], [0.04, 0.03, 0.02]])
    sentence = words.mc_sentence([1, 10, 100], errors, 0.025, keep_prob)
    assert f"about {missing} of its hidden units missing" in sentence and "half" not in sentence
    assert "errs on 4.50% against 2.50%" in sentence and "worse in every one of the 2 repeats" in sentence
    assert "first matches weight scaling (mean over repeats) at k = 100" in sentence


def test_the_k1_verdict_and_the_match_follow_the_errors():
    mixed = words.mc_sentence([1, 10], np.array([[0.03, 0.02], [0.01, 0.02]]), 0.015, 0.8)
    assert "worse on average over the repeats" in mixed and "first matches" not in mixed
    assert "does not reach weight scaling" in mixed and "k = 10" in mixed
    same = words.mc_sentence([1, 10], np.array([[0.02, 0.02]]), 0.02, 0.95)
    assert "no worse here" in same and "at k = 1;" in same


def test_the_logit_gap_sentence_follows_the_curves():
    noise = 2.0 / np.sqrt(KS)
    sentence = words.logit_gap_sentence(KS, noise, noise + 0.1)
    linear, relu = sentence.split("The ReLU curve")
    assert "keeps falling like 1/√k" in linear and "1.0×" in linear
    assert relu.startswith(" flattens out") and "no number of samples removes" in relu
    assert words.logit_gap_sentence(KS, noise, noise).count("keeps falling") == 2
    flat = words.logit_gap_sentence(KS, np.full(KS.size, 1e-7), np.zeros(KS.size))
    assert flat.count("0 for every k") == 2 and "flattens" not in flat
    noisy = noise.copy()
    noisy[-1] *= 3.5  # a linear curve far above the line (very noisy samples) is still not a bias
    sentence = words.logit_gap_sentence(KS, noisy, noise + 0.1)
    assert "The linear curve ends 3.5× above" in sentence and "no bias to level off at" in sentence


def _plane(size=21):
    axis = np.linspace(-1.0, 1.0, size)
    gx, gy = np.meshgrid(axis, axis)
    return axis, gx, gy


def test_the_toy_sentence_follows_the_maps():
    axis, gx, gy = _plane()
    X = np.array([[0.0, 0.0], [0.1, 0.0]])  # the data sit in the middle of the plane
    entropy = np.log(2) * np.exp(-(gx**2) / 0.1)  # highest on the line x = 0, where the classes meet
    flat = words.toy_sentence(axis, axis, entropy, np.zeros_like(entropy), X)
    assert "Entropy reaches 0.69 nats" in flat and "spread is 0 everywhere" in flat
    distance = np.hypot(gx, gy)
    far_spread = 0.05 * entropy + 0.2 * distance  # follows the entropy a little, grows away from the data
    far = words.toy_sentence(axis, axis, entropy, far_spread, X)
    assert "high far from the data" in far and "where nothing pinned the network down" in far
    near = words.toy_sentence(axis, axis, entropy, entropy, X)  # spread = entropy: near the data, on x = 0
    assert "largest where the entropy is, where the classes meet" in near
    assert "far from the data it is small" in near and "high far from" not in near
    apart = words.toy_sentence(axis, axis, entropy, np.exp(-(gy**2) / 0.1), X)
    assert "does not follow the entropy here" in apart


def test_the_entropy_sentence_follows_right_and_wrong():
    rng = np.random.default_rng(0)
    right, wrong_high = rng.uniform(0, 0.2, 200), rng.uniform(1.0, 2.0, 20)
    informative = words.entropy_sentence(np.r_[right, wrong_high], np.r_[np.zeros(200, bool), np.ones(20, bool)])
    assert "100% of them lie above 90% of the correct ones" in informative and "flags a likely mistake" in informative
    blind = words.entropy_sentence(np.full(10, 2.3), np.r_[np.zeros(5, bool), np.ones(5, bool)])
    assert "median entropy of 2.30 nats against 2.30" in blind and "does not tell right from wrong" in blind
    assert "no mistakes" in words.entropy_sentence(np.ones(3), np.zeros(3, bool))
    assert "Every test digit is misclassified" in words.entropy_sentence(np.ones(3), np.ones(3, bool))


def test_not_learned_follows_the_training_lab_rule():
    assert words.has_learned(0.49) and not words.has_learned(0.5)
    warning = words.not_learned_warning(0.05, 0.891, 0.912, 40)
    assert "keep_prob 0.05" in warning and "89% of its own training images" in warning and "91% of the test" in warning


def test_the_not_live_reason_gives_the_passes_it_would_take():
    reason = words.not_live_reason("this chart's averages", 3000)
    assert reason.startswith("This chart's averages come from up to 3000 Monte-Carlo passes at each keep_prob")
    assert "not computed ahead of time" in reason and "all 21 keep_prob values" in reason
