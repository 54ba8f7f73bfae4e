"""ui/training_text.py: each of the Training lab's number-dependent sentences follows its numbers."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from core import mlp
from ui import training_text as text


def _row(train_loss=0.07, train_loss_eval=0.01, test_loss=0.05, train_error=0.0, test_error=0.02) -> pd.Series:
    return pd.Series({"epoch": 40, "train_loss": train_loss, "train_loss_eval": train_loss_eval,
                      "train_error": train_error, "test_loss": test_loss, "test_error": test_error})


def test_the_glossary_explains_each_term_with_the_recipe_numbers():
    gloss = text.recipe_glossary()
    for term in ("He initialisation", "Momentum 0.9", "Cosine decay", "starts at 0.03", "Minibatch of 32"):
        assert term in gloss
    other = text.recipe_glossary(replace(mlp.RECIPE, momentum=0.5, learning_rate=0.1, schedule="constant"))
    assert "Momentum 0.5" in other and "Cosine" not in other
    assert "Momentum" not in text.recipe_glossary(replace(mlp.RECIPE, optimizer="adam"))


def test_the_loss_answer_says_above_or_below_as_the_numbers_are():
    above = text.loss_answer(_row(0.067, 0.009, 0.051), _row(), keep_prob=0.5, keep_prob_input=1.0)
    assert "training loss (0.067) above its test loss (0.051)" in above
    assert "about 50% of the hidden units" in above and "0.009: below the test loss" in above
    below = text.loss_answer(_row(0.018, 0.003, 0.059), _row(), keep_prob=0.8, keep_prob_input=0.9)
    assert "(0.018, " in below and "is below its test loss (0.059)" in below and "above its test loss" not in below
    assert "90% of the input pixels" in below
    not_below = text.loss_answer(_row(0.5, 0.3, 0.2), _row(), keep_prob=0.5, keep_prob_input=1.0)
    assert "0.300, not below the test loss" in not_below


def test_the_loss_answer_at_keep_prob_one_and_for_a_network_that_has_not_learned():
    same = text.loss_answer(_row(0.005, 0.005, 0.076), _row(), keep_prob=1.0, keep_prob_input=1.0)
    assert same.startswith("Nothing is dropped") and "0.076" in same
    stuck = _row(2.300, 2.300, 2.310, train_error=0.89, test_error=0.91)
    guess = text.loss_answer(stuck, _row(), keep_prob=0.05, keep_prob_input=1.0)
    assert "has not learned" in guess and f"ln 10 ≈ {math.log(10):.3f}" in guess
    elsewhere = text.loss_answer(_row(1.2, 1.1, 1.3, train_error=0.6), _row(), keep_prob=0.1, keep_prob_input=1.0)
    assert "has not learned" in elsewhere and "ln 10" not in elsewhere  # 1.2 is not a guess's loss


@pytest.mark.parametrize(
    ("with_dropout", "without_dropout", "keep_prob", "expected", "absent"),
    [
        (_row(train_error=0.002, test_error=0.0163), _row(test_error=0.0238), 0.5,
         ["both networks fit", "lowers the test error by 0.75 points (6 images)", "from 2.38 to 1.43 points"],
         ["does not tell"]),
        (_row(test_error=0.0188), _row(test_error=0.0238), 0.8, ["differ by 0.50 points (4 of 797", "±0.6"],
         ["lowers"]),
        (_row(test_error=0.0338), _row(test_error=0.0238), 0.5, ["raises the test error by 1.00 points (8 images)"],
         ["lowers"]),
        (_row(train_error=0.891, test_error=0.912), _row(test_error=0.0238), 0.05,
         ["has not learned", "89.10%", "91.20%"], ["both networks fit"]),
        (_row(train_error=0.08, test_error=0.10), _row(test_error=0.0238), 0.2, ["underfits", "8.00%"],
         ["both networks fit"]),
    ],
)
def test_what_to_notice_follows_the_run(with_dropout, without_dropout, keep_prob, expected, absent):
    notice = text.curves_notice(with_dropout, without_dropout, keep_prob=keep_prob, keep_prob_input=1.0,
                                n_train=1000, scatter=0.6)
    for phrase in expected:
        assert phrase in notice, phrase
    for phrase in absent:
        assert phrase not in notice, phrase


def test_what_to_notice_with_nothing_dropped():
    notice = text.curves_notice(_row(), _row(), keep_prob=1.0, keep_prob_input=1.0, n_train=1000, scatter=0.6)
    assert notice.startswith("nothing is dropped")


def test_misclassified_notice_compares_the_counts_with_the_scatter():
    assert "13 of the 797" in text.misclassified_notice(13, 19, 0.6)  # 0.6 points = about 5 images
    assert "6 fewer with dropout" in text.misclassified_notice(13, 19, 0.6)
    assert "within one run's seed-to-seed scatter (about ±5 images)" in text.misclassified_notice(17, 19, 0.6)
    assert "4 more with dropout" in text.misclassified_notice(23, 19, 0.3)
    assert "has not learned" in text.misclassified_notice(727, 19, 0.6)
    one = text.misclassified_notice(19, 19, 0.6, same_network=True)
    assert one.startswith("nothing is dropped") and "19 of the 797" in one and "within" not in one


def _sweep(fixed_train, fixed_test, widened_test) -> pd.DataFrame:
    keep_probs = (0.2, 0.5, 1.0)
    rows = [("fixed n", q, 64, tr, te) for q, tr, te in zip(keep_probs, fixed_train, fixed_test, strict=True)]
    rows += [("fixed keep_prob × n", q, round(64 / q), 0.0, te) for q, te in zip(keep_probs, widened_test, strict=True)]
    return pd.DataFrame(rows, columns=["design", "keep_prob", "width", "train_error", "test_error"])


def test_the_sweep_caption_follows_its_rows():
    underfits = text.sweep_notice(_sweep((0.2, 0.01, 0.0), (0.27, 0.03, 0.02), (0.066, 0.03, 0.02)))
    assert "train error is 20.00% against 0.00% at 1.0 (the thinned network underfits)" in underfits
    assert "spans 4.6 points" in underfits and "against 25.0 for fixed n: flatter" in underfits
    flat = text.sweep_notice(_sweep((0.0, 0.0, 0.0), (0.03, 0.03, 0.03), (0.05, 0.03, 0.02)))
    assert "underfits" not in flat and ": not flatter." in flat


def test_the_sparsity_sentence():
    sparser = text.sparsity_sentence({"no dropout": [0.43, 0.48], "dropout 0.50": [0.72, 0.58]})
    assert sparser.endswith("72% / 58% of the units are at 0 with dropout 0.50, 43% / 48% without: sparser in "
                            "every layer.")
    assert "not sparser" in text.sparsity_sentence({"no dropout": [0.43, 0.48], "dropout 0.80": [0.55, 0.40]})
    assert "gone silent" in text.sparsity_sentence({"no dropout": [0.43, 0.48], "dropout 0.05": [1.0, 1.0]})
    assert "the same network" in text.sparsity_sentence({"no dropout": [0.43, 0.48], "dropout 1.00": [0.43, 0.48]})


def _toy(test_plain: int, test_dropout: int, both: int, train_plain=0.0, train_dropout=0.05, n=1000):
    """Boundaries whose test errors come from points wrong only without dropout, only with it, and wrong for both."""
    grid = np.zeros((2, 2))
    plain, dropout = np.zeros(n, bool), np.zeros(n, bool)
    plain[:both] = dropout[:both] = True
    plain[both: both + test_plain] = True
    dropout[both + test_plain: both + test_plain + test_dropout] = True
    return {"no dropout": (grid, train_plain, plain.mean(), plain), "dropout": (grid, train_dropout, dropout.mean(),
                                                                                 dropout)}


def test_the_toy_notice_counts_only_differences_beyond_the_test_sample():
    # Sign test on the points where the two disagree: |b - c| > 2 sqrt(b + c).
    close = text.toy_notice(_toy(30, 20, 60), keep_prob=0.5)  # 10 <= 2 sqrt(50) = 14.1
    assert "30 are wrong only without dropout and 20 only with it" in close and "within the luck" in close
    better = text.toy_notice(_toy(35, 10, 60), keep_prob=0.5)  # 25 > 2 sqrt(45) = 13.4
    assert "dropout does better" in better and "bent around single noisy points" in better
    assert "9.5% test error" in better and "7.0%" in better
    worse = text.toy_notice(_toy(10, 35, 60, train_dropout=0.4), keep_prob=0.05)
    assert "does worse" in worse and "underfits" in worse and "40%" in worse
    assert text.toy_notice(_toy(0, 0, 60, train_dropout=0.0), keep_prob=1.0).startswith("nothing is dropped")


def test_the_not_live_reason_names_the_case():
    base = {"stored": 21, "needed": 21, "store_on": True, "on_grid": True, "keep_prob": 0.5, "default_settings": True,
            "seed": 0, "default_seed": 0}
    said = {case: text.not_live_reason("This view's networks", **{**base, **change}) for case, change in {
        "off": {"store_on": False}, "grid": {"on_grid": False, "keep_prob": 0.33}, "seed": {"seed": 4},
        "settings": {"default_settings": False, "seed": 4}, "filling": {"stored": 5},
    }.items()}
    assert "keeps no store" in said["off"] and "trained at all 21 keep_prob values" in said["off"]
    assert "keep_prob 0.33 lies between the slider's steps of 0.05" in said["grid"]
    assert "for seed 0 only; for seed 4 they are trained when asked for" in said["seed"]
    assert "for the default settings only" in said["settings"] and "seed" not in said["settings"]
    assert "still being trained ahead of time (5 of 21 done)" in said["filling"]
    assert all(sentence.startswith(("This view's networks", "keep_prob")) and sentence.endswith(".")
               for sentence in said.values())
    computed = text.not_live_reason("The curves", **{**base, "default_settings": False}, verb="computed")
    assert "computed ahead of time" in computed and "trained" not in computed
