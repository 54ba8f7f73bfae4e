"""The Inference lesson's sentences, each built from the numbers it states (ui.cached.training computes them).

Plain functions of arrays and floats, so that a test can hand them any numbers and check that the words
follow. Errors are fractions in [0, 1]; they are written as percentages.
"""

from __future__ import annotations

import numpy as np

from ui.cached import training as cached

NOT_LEARNED_TRAIN_ERROR = 0.5  # the Training lab's rule: wrong on half its own training images = has not learned
CHANCE_ERROR = 0.9  # guessing one of ten digits
LINE_FACTOR = 2.0  # a curve within this factor of the 1/√k line "follows" it; beyond it, it has flattened out
FAR_NEAR_FACTOR = 2.0  # the spread far from the data is "high" (or "small") when this many times that near it
GAP_FLOOR = 1e-4  # a logit gap below this is rounding (keep_prob 1: every pass is the weight-scaled network)
SPREAD_FLOOR = 1e-9  # a spread below this is no spread (keep_prob 1: every pass is the same network)


def final_errors(run: cached.DigitsRun) -> tuple[float, float]:
    """(train error, test error) of the trained run after its last epoch (train error with dropout off)."""
    last = cached.digits_result(run).history.iloc[-1]
    return float(last["train_error"]), float(last["test_error"])


def has_learned(train_error: float) -> bool:
    """The Training lab's rule, shared: a network still wrong on half its own training images has not learned."""
    return train_error < NOT_LEARNED_TRAIN_ERROR


def not_learned_warning(keep_prob: float, train_error: float, test_error: float, epochs: int) -> str:
    """Why the comparisons on the page mean nothing when the network has not learned."""
    return (f"**The network has not learned:** with keep_prob {keep_prob:.2f} it still gets {100 * train_error:.0f}% "
            f"of its own training images wrong after {epochs} epochs, and {100 * test_error:.0f}% of the test digits "
            f"(guessing gets {100 * CHANCE_ERROR:.0f}%). Weight scaling and Monte-Carlo averaging then approximate a "
            "network that knows nothing. Try 0.5 or 0.8.")


def mc_sentence(ks, errors, weight_scaling_error: float, keep_prob: float) -> str:
    """Where the Monte-Carlo average meets weight scaling, and how one sampled network (k = 1) compares.

    ks: (K,) with ks[0] = 1; errors: (repeats, K) test errors of the MC average; weight_scaling_error: one pass.
    """
    ks, errors = np.asarray(ks), np.asarray(errors, dtype=float)
    mean_errors = errors.mean(axis=0)
    matched = [int(k) for k, e in zip(ks, mean_errors, strict=True) if e <= weight_scaling_error]
    if matched:
        where = (f"The Monte-Carlo average first matches weight scaling (mean over repeats) at k = {matched[0]}; "
                 "Srivastava et al. found about k = 50 on MNIST. ")
    else:
        where = (f"Up to k = {int(ks[-1])} the Monte-Carlo average (mean over repeats) does not reach weight scaling "
                 "here; try a larger k. ")
    single = errors[:, 0]
    if np.all(single > weight_scaling_error):
        verdict = f"worse in every one of the {errors.shape[0]} repeats"
    elif single.mean() > weight_scaling_error:
        verdict = "worse on average over the repeats"
    else:
        verdict = "no worse here"
    return (where + f"One sampled network (k = 1) errs on {100 * single.mean():.2f}% against "
            f"{100 * weight_scaling_error:.2f}% for weight scaling, {verdict}: it is one network with about "
            f"{1 - keep_prob:.0%} of its hidden units missing.")


def _against_line(ks, gap) -> float:
    """The gap at the largest k over what 1/√k from the smallest k predicts (1: it follows the line)."""
    return float(gap[-1] / (gap[0] * np.sqrt(ks[0] / ks[-1])))


def logit_gap_sentence(ks, gap_linear, gap_relu) -> str:
    """What the two curves of 'How far the average over k masks is from weight scaling' do, as measured."""
    ks = np.asarray(ks, dtype=float)
    gap_linear, gap_relu = np.asarray(gap_linear, dtype=float), np.asarray(gap_relu, dtype=float)
    parts = []
    for name, gap in (("linear", gap_linear), ("ReLU", gap_relu)):
        if not np.any(gap >= GAP_FLOOR):
            parts.append(f"The {name} curve is 0 for every k (up to rounding): every mask gives the weight-scaled "
                         "logits.")
            continue
        ratio = _against_line(ks, gap)
        if ratio <= LINE_FACTOR:
            parts.append(f"The {name} curve keeps falling like 1/√k (sampling noise only): at k = {ks[-1]:.0f} it "
                         f"is {ratio:.1f}× what 1/√k from k = 1 predicts.")
        elif name == "linear":  # no bias to level off at: the average of linear logits is exact in expectation
            parts.append(f"The linear curve ends {ratio:.1f}× above what 1/√k from k = 1 predicts, yet it has no "
                         "bias to level off at: its average still converges to the weight-scaled logits, only more "
                         "noisily than one curve shows.")
        else:
            parts.append(f"The {name} curve flattens out: at k = {ks[-1]:.0f} it is {ratio:.1f}× what 1/√k from "
                         "k = 1 predicts, the part of the difference that no number of samples removes.")
    return " ".join(parts)


def _distance_to_data(grid_x, grid_y, X) -> np.ndarray:
    """Distance of every grid point (len(grid_y), len(grid_x)) to its nearest training point."""
    gx, gy = np.meshgrid(np.asarray(grid_x, dtype=float), np.asarray(grid_y, dtype=float))
    points = np.stack([gx.ravel(), gy.ravel()], axis=1)  # (G, 2)
    X = np.asarray(X, dtype=float)
    nearest = np.sqrt(((points[:, None, :] - X[None, :, :]) ** 2).sum(axis=-1)).min(axis=1)
    return nearest.reshape(gx.shape)


def toy_sentence(grid_x, grid_y, entropy_map, spread_map, X) -> str:
    """Where the 2-D maps are high, as measured: the entropy's peak, and whether the spread is largest where
    the entropy is (the classes meet) and far from the training points (the quarter of the plane farthest
    from any of them) or near them (the nearest quarter)."""
    entropy_map, spread_map = np.asarray(entropy_map, dtype=float), np.asarray(spread_map, dtype=float)
    peak = f"Entropy reaches {entropy_map.max():.2f} nats (log 2 ≈ 0.69 is a 50/50 split between the classes)"
    if spread_map.max() < SPREAD_FLOOR:
        return (peak + ". The spread is 0 everywhere: every pass is the same network, so what is left is the "
                "entropy of one network's softmax, which a network trained without dropout has too.")
    together = float(np.corrcoef(entropy_map.ravel(), spread_map.ravel())[0, 1])
    where = ("the spread between passes is largest where the entropy is, where the classes meet"
             if together >= 0.5 else
             f"the spread between passes does not follow the entropy here (correlation {together:.2f} over the plane)")
    distance = _distance_to_data(grid_x, grid_y, X)
    far = spread_map[distance >= np.quantile(distance, 0.75)].mean()
    near = spread_map[distance <= np.quantile(distance, 0.25)].mean()
    if far > FAR_NEAR_FACTOR * near:
        too = " too" if together >= 0.5 else ""
        away = (f", and it is high far from the data{too} (mean {far:.2f} in the quarter of the plane farthest from "
                f"any training point, {near:.2f} in the nearest quarter), where nothing pinned the network down.")
    elif near > FAR_NEAR_FACTOR * far:
        away = (f"; far from the data it is small (mean {far:.2f} in the quarter of the plane farthest from any "
                f"training point, {near:.2f} in the nearest quarter): there every pass agrees on a class.")
    else:
        away = (f"; far from the data it is about as large as near it (mean {far:.2f} against {near:.2f} in the "
                "farthest and nearest quarters of the plane).")
    return f"{peak}; {where}{away}"


def entropy_sentence(entropy, wrong) -> str:
    """How the predictive entropy of the right and the wrong test digits compare, as measured."""
    entropy, wrong = np.asarray(entropy, dtype=float), np.asarray(wrong, dtype=bool)
    if not wrong.any():
        return "Every test digit is classified correctly: there are no mistakes for the entropy to flag."
    if wrong.all():
        return "Every test digit is misclassified: there is nothing right to compare the mistakes with."
    high = np.quantile(entropy[~wrong], 0.9)
    share = float(np.mean(entropy[wrong] > high))
    numbers = (f"the misclassified digits have a median entropy of {np.median(entropy[wrong]):.2f} nats against "
               f"{np.median(entropy[~wrong]):.2f} for the correct ones, and {share:.0%} of them lie above 90% of the "
               "correct ones")
    if share >= 0.5:
        return f"On the left, every test digit: {numbers}, so a high entropy flags a likely mistake."
    return f"On the left, every test digit: {numbers}; here the entropy does not tell right from wrong."


def not_live_reason(subject: str, passes: int) -> str:
    """Why a view of Monte-Carlo passes does not follow keep_prob while the slider moves (ui.live.not_live_notice).

    subject: what the passes draw ("this chart's averages"); passes: how many passes one keep_prob costs, at most.
    """
    return (f"{subject[:1].upper()}{subject[1:]} come from up to {passes} Monte-Carlo passes at each keep_prob, "
            "which are not computed ahead of time; computing them at all 21 keep_prob values of the slider would "
            "make this view take many seconds to open.")
