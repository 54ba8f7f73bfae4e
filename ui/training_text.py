"""The Training lab's sentences that depend on its numbers, built from those numbers (no Streamlit here).

Every function takes the numbers the page shows (final history rows, keep_prob, counts) and returns
Markdown; tests/test_training_text.py checks that each sentence follows its number.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from core import mlp

TEST_IMAGES = 797  # the digits' test set: 1797 images minus the pool of 1000
NOT_LEARNED = 0.5  # a training error at or above this: the network has not learned its training images
FITS = 0.02  # a training error at or below this: the network fits its training images
UNDERFIT_MARGIN = 0.02  # dropout's training error this much above the plain run's: dropout underfits
GUESS_LOSS = math.log(10)  # the cross-entropy of a uniform guess over the ten digits
GUESS_MARGIN = 0.05  # a loss this close to GUESS_LOSS "sits at" it
SILENT = 0.95  # a layer with this share of ReLU outputs at 0 has gone silent (as the page's warning says)


def recipe_glossary(config: mlp.TrainConfig = mlp.RECIPE) -> str:
    """A short gloss of each term of the caption (a help tooltip), with the recipe's own numbers."""
    lines = [
        "**He initialisation**: the starting weights are random, with variance 2 / (inputs of the layer), so "
        "that a signal neither fades nor blows up as it passes the ReLU layers.",
    ]
    if config.optimizer == "sgd" and config.momentum:
        lines.append(f"**Momentum {config.momentum:g}**: each step is {config.momentum:g} times the previous step "
                     "plus the new gradient step, a running average that smooths the noise of small minibatches "
                     "(and of dropout's masks). With momentum a weight keeps moving in a step where its unit was "
                     "dropped.")
    if config.schedule == "cosine":
        lines.append(f"**Cosine decay**: the step size starts at {config.learning_rate:g} and falls to 0 along half "
                     "a cosine over the run, so the last epochs settle the weights instead of letting the masks' "
                     "noise shake them.")
    lines.append(f"**Minibatch of {config.batch_size}**: each step's gradient is computed on {config.batch_size} "
                 "training images, with one fresh dropout mask per image.")
    return "\n\n".join(lines)


def _percent(value: float) -> str:
    return f"{100 * value:.2f}%"


def loss_answer(with_dropout: pd.Series, without_dropout: pd.Series, *, keep_prob: float,
                keep_prob_input: float) -> str:
    """Why the dropout run's training loss can sit above its test loss, told with the final epoch's numbers.

    with_dropout, without_dropout: the last history rows (train_loss, train_loss_eval, test_loss, ...).
    """
    objective, evaluated, test = (float(with_dropout[c]) for c in ("train_loss", "train_loss_eval", "test_loss"))
    if keep_prob == 1.0 and keep_prob_input == 1.0:
        return (f"Nothing is dropped here, so the training objective ({objective:.3f}) is the loss of the whole "
                f"network, like the test loss ({test:.3f}); measured after the last epoch the training loss is "
                f"{evaluated:.3f}. Lower keep_prob to see the training objective (dropout on) part from the training "
                "loss measured with dropout off.")
    if float(with_dropout["train_error"]) >= NOT_LEARNED:
        numbers = (f"its training objective ({objective:.3f}, dropout on), its training loss with dropout off "
                   f"({evaluated:.3f}) and its test loss ({test:.3f})")
        if all(abs(value - GUESS_LOSS) < GUESS_MARGIN for value in (objective, evaluated, test)):
            return (f"The dropout network has not learned, so its losses say nothing about dropout's training loss: "
                    f"{numbers} all sit at the loss of a uniform guess, ln 10 ≈ {GUESS_LOSS:.3f}.")
        return (f"The dropout network has not learned, so its losses say nothing about dropout's training loss: "
                f"{numbers}.")
    thinned = (f"the mean loss of its minibatches with dropout on, each scored by a thinned network that keeps "
               f"about {100 * keep_prob:.0f}% of the hidden units")
    if keep_prob_input < 1.0:
        thinned += f" and {100 * keep_prob_input:.0f}% of the input pixels"
    if objective > test:
        opening = (f"**Why is the dropout run's training loss ({objective:.3f}) above its test loss ({test:.3f})?** "
                   f"The training loss is the objective, {thinned}, while the test loss is measured with dropout "
                   "off.")
    else:
        opening = (f"The dropout run's training objective ({objective:.3f}, {thinned}) is below its test loss "
                   f"({test:.3f}) in this run; with a lower keep_prob it can rise above it, the pattern behind "
                   "\"why is my validation loss lower than my training loss?\".")
    if evaluated < test:
        closing = (f" Measured with dropout off, like the test loss, its training loss is {evaluated:.3f}: below "
                   "the test loss, as for any network that fits its training images better than new ones.")
    else:
        closing = (f" Measured with dropout off, like the test loss, its training loss is {evaluated:.3f}, not "
                   "below the test loss: after these epochs it fits its training images no better than new ones.")
    return opening + closing


def curves_notice(with_dropout: pd.Series, without_dropout: pd.Series, *, keep_prob: float,
                  keep_prob_input: float, n_train: int, scatter: float) -> str:
    """"What to notice" under the learning curves, from the final epoch's errors of both runs.

    scatter: the seed-to-seed standard deviation of one run's test error (percentage points) at n_train.
    """
    train_with, train_without = float(with_dropout["train_error"]), float(without_dropout["train_error"])
    test_with, test_without = float(with_dropout["test_error"]), float(without_dropout["test_error"])
    if keep_prob == 1.0 and keep_prob_input == 1.0:
        return (f"nothing is dropped, so both curves are one network (train error {_percent(train_without)}, test "
                f"error {_percent(test_without)}). Lower keep_prob in the sidebar (the paper used 0.5) to compare.")
    if train_with >= NOT_LEARNED:
        return (f"the dropout network has not learned (it still gets {_percent(train_with)} of its own training "
                f"images wrong), so its test error ({_percent(test_with)}) measures underfitting, not "
                "regularisation: dropout can only narrow the gap of a network that fits its training images. "
                "Raise keep_prob (the paper kept 0.5 to 0.8 of the hidden units).")
    if train_with <= FITS and train_without <= FITS:
        sentences = [f"both networks fit their training images (train error {_percent(train_with)} with dropout, "
                     f"{_percent(train_without)} without: the dotted curves), so training error says nothing about "
                     "dropout; the test error and the gap do."]
    elif train_with > train_without + UNDERFIT_MARGIN:
        sentences = [f"the dropout network still gets {_percent(train_with)} of its training images wrong, against "
                     f"{_percent(train_without)} without: at keep_prob {keep_prob:.2f} it underfits (few units kept "
                     "per step, or too few epochs for the noisier steps)."]
    else:
        sentences = [f"train error {_percent(train_with)} with dropout, {_percent(train_without)} without (the "
                     "dotted curves); the test error and the gap show what dropout changes."]
    difference = 100 * (test_without - test_with)  # points; positive: dropout is better
    images = round(abs(test_without - test_with) * TEST_IMAGES)
    gap_with, gap_without = 100 * (test_with - train_with), 100 * (test_without - train_without)
    if abs(difference) < scatter:
        sentences.append(f"Here the test errors differ by {abs(difference):.2f} points ({images} of "
                         f"{TEST_IMAGES} images), less than one run's seed-to-seed scatter with {n_train} training "
                         f"images (about ±{scatter:g} points): this run does not tell them apart; try other seeds.")
    elif difference > 0:
        sentences.append(f"Dropout lowers the test error by {difference:.2f} points ({images} images) and the gap "
                         f"from {gap_without:.2f} to {gap_with:.2f} points, more than one run's seed-to-seed "
                         f"scatter (about ±{scatter:g} points with {n_train} training images).")
    else:
        sentences.append(f"Here dropout raises the test error by {-difference:.2f} points ({images} images), more "
                         f"than one run's seed-to-seed scatter (about ±{scatter:g} points with {n_train} training "
                         "images): at these settings it costs more than it regularises.")
    return " ".join(sentences)


def misclassified_notice(n_wrong: int, n_wrong_without: int, scatter: float, *, same_network: bool = False) -> str:
    """"What to notice" under the misclassified digits: the two counts, and whether they differ beyond noise.

    same_network: nothing is dropped (keep_prob = keep_prob_input = 1), so the two counts are one network's."""
    if same_network:
        return (f"nothing is dropped, so there is one network: it gets {n_wrong} of the {TEST_IMAGES} test digits "
                "wrong. Look at each: would a person hesitate over it too?")
    if n_wrong >= NOT_LEARNED * TEST_IMAGES:
        return (f"the dropout network gets {n_wrong} of the {TEST_IMAGES} test digits wrong (the one without "
                f"{n_wrong_without}): it has not learned, so these are not hard digits, just a network that "
                "guesses. Raise keep_prob.")
    difference = n_wrong_without - n_wrong
    noise_images = scatter / 100 * TEST_IMAGES
    verdict = ("a difference within one run's seed-to-seed scatter (about ±"
               f"{noise_images:.0f} images)" if abs(difference) < noise_images else
               f"{abs(difference)} {'fewer' if difference > 0 else 'more'} with dropout, more than one run's "
               f"seed-to-seed scatter (about ±{noise_images:.0f} images)")
    return (f"the dropout network gets {n_wrong} of the {TEST_IMAGES} test digits wrong, the one without "
            f"{n_wrong_without}: {verdict}. Look at each: would a person hesitate over it too?")


def sweep_notice(sweep: pd.DataFrame) -> str:
    """The sweep's caption, from its rows (columns design, keep_prob, width, train_error, test_error)."""
    fixed = sweep[sweep["design"] == "fixed n"].sort_values("keep_prob")
    widened = sweep[sweep["design"] != "fixed n"].sort_values("keep_prob")
    low, high = fixed.iloc[0], fixed.iloc[-1]
    sentences = [f"Fixed n: at keep_prob {low['keep_prob']:.1f} the train error is {_percent(low['train_error'])} "
                 f"against {_percent(high['train_error'])} at {high['keep_prob']:.1f}"
                 + (" (the thinned network underfits)." if low["train_error"] > high["train_error"] + UNDERFIT_MARGIN
                    else ".")]
    spread_fixed = fixed["test_error"].max() - fixed["test_error"].min()
    spread_widened = widened["test_error"].max() - widened["test_error"].min()
    comparison = "flatter" if spread_widened < spread_fixed else "not flatter"
    sentences.append(f"Fixed keep_prob × n: its test error spans {100 * spread_widened:.1f} points over the sweep, "
                     f"against {100 * spread_fixed:.1f} for fixed n: {comparison}"
                     + (", the wider layers make up for the dropped units." if comparison == "flatter" else "."))
    return " ".join(sentences)


def sparsity_sentence(zero_fraction: Mapping[str, Sequence[float]]) -> str:
    """Whether this run's dropout network is sparser than the plain one (zero_fraction: "no dropout" first)."""
    (_, plain), (dropout_name, dropout) = list(zero_fraction.items())[:2]
    plain_text = " / ".join(f"{100 * f:.0f}%" for f in plain)
    dropout_text = " / ".join(f"{100 * f:.0f}%" for f in dropout)
    here = f"Here {dropout_text} of the units are at 0 with {dropout_name}, {plain_text} without"
    if list(dropout) == list(plain):
        return here + ": the same network (nothing is dropped), the same shares."
    if max(dropout) >= SILENT:
        return (here + ": the dropout network's units have gone silent, which is not the paper's sparsity but a "
                "network that passes almost no signal.")
    sparser = all(d > p for d, p in zip(dropout, plain, strict=True))
    return here + (": sparser in every layer." if sparser else ": not sparser in every layer, at these settings.")


def toy_notice(boundaries: Mapping[str, tuple], *, keep_prob: float) -> str:
    """"What to notice" under the decision boundaries.

    boundaries: {"no dropout": (proba, train error, test error, wrong), "dropout": (...)}, wrong: which test points
    the model gets wrong (bool). The two models are scored on the same points, so only the points where they
    disagree tell them apart: with b points only the plain network gets wrong and c only the dropout one, a
    difference counts when |b − c| > 2 sqrt(b + c) (a sign test at about 2 standard errors); smaller ones are the
    luck of the test sample.
    """
    _, train_plain, test_plain, wrong_plain = boundaries["no dropout"]
    _, train_dropout, test_dropout, wrong_dropout = boundaries["dropout"]
    numbers = (f"without dropout {100 * train_plain:.0f}% train and {100 * test_plain:.1f}% test error, with "
               f"dropout {100 * train_dropout:.0f}% and {100 * test_dropout:.1f}%")
    if keep_prob == 1.0:
        return f"nothing is dropped, so both maps are one network: {100 * test_plain:.1f}% test error."
    wrong_plain, wrong_dropout = np.asarray(wrong_plain, bool), np.asarray(wrong_dropout, bool)
    only_plain = int((wrong_plain & ~wrong_dropout).sum())
    only_dropout = int((wrong_dropout & ~wrong_plain).sum())
    disagree = (f"of the {wrong_plain.size} fresh points, {only_plain} are wrong only without dropout and "
                f"{only_dropout} only with it")
    if abs(only_plain - only_dropout) <= 2 * math.sqrt(only_plain + only_dropout):
        return (f"{numbers}; {disagree}: a difference within the luck of the test sample. Compare the boundaries' "
                "shapes instead.")
    if only_plain > only_dropout:
        closer = (" The network without dropout fits its training points more closely: look on its map for a "
                  "boundary bent around single noisy points." if train_plain < train_dropout else "")
        return f"{numbers}; {disagree}: dropout does better on fresh points, beyond the test sample's luck.{closer}"
    underfits = (f" With keep_prob {keep_prob:.2f} it underfits: it gets {100 * train_dropout:.0f}% of its own "
                 "training points wrong." if train_dropout > train_plain + UNDERFIT_MARGIN else "")
    return f"{numbers}; {disagree}: here dropout does worse on fresh points, beyond the test sample's luck.{underfits}"


def not_live_reason(subject: str, *, stored: int, needed: int, store_on: bool, on_grid: bool, keep_prob: float,
                    default_settings: bool, seed: int, default_seed: int, verb: str = "trained") -> str:
    """Why a view's charts do not follow keep_prob while the slider moves: its results at the slider's values are
    not all in the store of results computed ahead of time, and computing them on a page view would take too long.

    subject: what is missing, plural ("The two networks of these settings"); stored / needed: how many of the
    results at the slider's keep_prob values are there; the rest picks the case.
    """
    if not store_on:
        return (f"{subject} would have to be {verb} at all 21 keep_prob values of the slider, and this server keeps "
                f"no store of results {verb} ahead of time.")
    if not on_grid:
        return (f"keep_prob {keep_prob:g} lies between the slider's steps of 0.05, and only those steps are {verb} "
                "ahead of time.")
    if default_settings and seed != default_seed:
        return (f"{subject} are {verb} ahead of time at all 21 keep_prob values for seed {default_seed} only; "
                f"for seed {seed} they are {verb} when asked for.")
    if not default_settings:
        return (f"{subject} are {verb} ahead of time at all 21 keep_prob values for the default settings only; "
                f"for these settings they are {verb} when asked for.")
    return (f"{subject} are still being {verb} ahead of time ({stored} of {needed} done); reload the page in a few "
            "minutes.")
