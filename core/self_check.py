"""The self-check question bank: live questions computed from keep_prob and seed, and concept questions.

Pure NumPy. Live answers come from core/dropout.py itself (the same forward and backward the
lessons use), so a question can never disagree with the lessons. Concept questions cover every
learner confusion in MISSION.md (1-7), pitfall questions one per view of the lesson "Pitfalls";
each question names the lesson page that shows the answer.

    fp = live_forward_pass(0.5, seed=3)                 # 8 units: activations, mask, output, gradients
    questions = live_questions(0.5, seed=3) + CONCEPT_QUESTIONS
    check_numeric(questions[0], 2.4)                    # Verdict(correct=..., message=...)
"""

from __future__ import annotations

import hashlib
import math
import numbers
from dataclasses import dataclass

import numpy as np

from core.conventions import convention_by_name, format_probability
from core.dropout import (
    bernoulli_mask,
    check_keep_prob,
    dropout_backward,
    dropout_forward,
    expected_output,
    output_scale,
)
from core.pitfalls import BN_MEAN, BN_STD, flipped_bias, train_variance

__all__ = [
    "CONCEPT_QUESTIONS",
    "LESSON_PAGES",
    "N_LAYER_UNITS",
    "N_UNITS",
    "PITFALL_QUESTIONS",
    "ChoiceQuestion",
    "ForwardPass",
    "NumericQuestion",
    "Verdict",
    "all_questions",
    "check_answer",
    "check_choice",
    "check_numeric",
    "fingerprint",
    "format_number",
    "is_close",
    "live_forward_pass",
    "live_questions",
    "mask_rng",
]

N_UNITS = 8  # units in the live forward pass the questions refer to
N_LAYER_UNITS = 512  # the "how many are dropped" layer
N_CHANNELS = 16  # channels of the feature-map question
STREAM_VALUES = 11  # random streams of the self-check (separate from every lesson's streams)
STREAM_MASK = 12
STREAM_LAYER = 13
REL_TOL = 0.01  # numeric answers within 1% of the answer count as right ...
ABS_TOL = 0.005  # ... or within 0.005 (so 0 must be typed as 0, and two decimals are enough)

# Lesson pages (relative to app.py) and the label a feedback link shows.
LESSON_PAGES: dict[str, tuple[str, str]] = {
    "masks": ("pages/masks.py", "Masks"),
    "expected": ("pages/expected.py", "Expected activations"),
    "train_vs_test": ("pages/train_vs_test.py", "Train vs test"),
    "backprop": ("pages/backprop.py", "Backprop and gradients"),
    "feature_maps": ("pages/feature_maps.py", "Feature maps"),
    "training": ("pages/training_lab.py", "Training lab"),
    "inference": ("pages/inference.py", "Inference"),
    "conventions": ("pages/conventions.py", "Conventions"),
    "pitfalls": ("pages/pitfalls.py", "Pitfalls"),
}


# --- question types ----------------------------------------------------------------------------


@dataclass(frozen=True)
class NumericQuestion:
    """A question answered with a number, checked within a tolerance."""

    id: str  # stable across settings: the score keeps one attempt per id
    prompt: str  # Markdown
    answer: float
    explanation: str  # Markdown, shown after checking, right or wrong
    lesson: str  # key of LESSON_PAGES: where the answer is shown
    confusions: tuple[int, ...]  # which MISSION.md confusions (1-7) it exercises; () for none
    min_value: float | None = None  # bounds of the number input (None: unbounded)
    max_value: float | None = None
    rel_tol: float = REL_TOL
    abs_tol: float = ABS_TOL


@dataclass(frozen=True)
class ChoiceQuestion:
    """A multiple-choice question: one right option, and a reason for every wrong one."""

    id: str
    prompt: str
    options: tuple[str, ...]
    correct: int  # index of the right option
    explanation: str  # why the right option is right (shown after checking)
    why_not: tuple[str, ...]  # per option: why it is wrong ("" for the right one)
    lesson: str
    confusions: tuple[int, ...]


@dataclass(frozen=True)
class Verdict:
    """The outcome of checking one answer."""

    correct: bool
    message: str  # one sentence: right or wrong, with the expected answer when wrong


def fingerprint(question) -> str:
    """A short digest of what the learner is asked: changes whenever the prompt or the answer does.

    A stored attempt belongs to the question shown only if their fingerprints match (a live
    question changes with keep_prob and seed).
    """
    if isinstance(question, NumericQuestion):
        content = f"{question.id}|{question.prompt}|{question.answer!r}"
    elif isinstance(question, ChoiceQuestion):
        content = f"{question.id}|{question.prompt}|{question.options}|{question.correct}"
    else:
        raise TypeError(f"question must be a NumericQuestion or ChoiceQuestion, got {type(question).__name__}")
    return hashlib.sha1(content.encode()).hexdigest()[:12]


def format_number(value: float) -> str:
    """A number as the feedback shows it: up to 4 significant digits, no '-0'."""
    value = float(value) + 0.0
    if not math.isfinite(value):
        return str(value)
    if value == int(value) and abs(value) < 1e6:
        return str(int(value))
    return f"{value:.4g}"


def is_close(value: float, answer: float, *, rel_tol: float = REL_TOL, abs_tol: float = ABS_TOL) -> bool:
    """True when |value - answer| <= max(rel_tol * |answer|, abs_tol); False for NaN or infinity."""
    value, answer = float(value), float(answer)
    if not (math.isfinite(value) and math.isfinite(answer)):
        return False
    return abs(value - answer) <= max(rel_tol * abs(answer), abs_tol)


def check_numeric(question: NumericQuestion, value) -> Verdict:
    """Check a typed number against the question's answer (within its tolerance)."""
    if not isinstance(question, NumericQuestion):
        raise TypeError(f"question must be a NumericQuestion, got {type(question).__name__}")
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"value must be a real number, got {type(value).__name__} {value!r}")
    answer = format_number(question.answer)
    if is_close(value, question.answer, rel_tol=question.rel_tol, abs_tol=question.abs_tol):
        return Verdict(True, f"Right: the answer is {answer}.")
    return Verdict(False, f"Not quite: you gave {format_number(value)}, the answer is {answer}.")


def check_choice(question: ChoiceQuestion, option: int) -> Verdict:
    """Check the index of the chosen option."""
    if not isinstance(question, ChoiceQuestion):
        raise TypeError(f"question must be a ChoiceQuestion, got {type(question).__name__}")
    if isinstance(option, (bool, np.bool_)) or not isinstance(option, numbers.Integral):
        raise TypeError(f"option must be an option index (int), got {type(option).__name__} {option!r}")
    if not 0 <= option < len(question.options):
        raise ValueError(f"option must be from 0 to {len(question.options) - 1}, got {option}")
    if option == question.correct:
        return Verdict(True, "Right.")
    return Verdict(False, f"Not quite. {question.why_not[option]}".strip())


def check_answer(question, given) -> Verdict:
    """check_numeric or check_choice, whichever the question needs."""
    if isinstance(question, NumericQuestion):
        return check_numeric(question, given)
    return check_choice(question, given)


# --- the live forward pass ---------------------------------------------------------------------


@dataclass(frozen=True)
class ForwardPass:
    """One inverted-dropout forward and backward pass on N_UNITS units, as the live questions see it."""

    keep_prob: float
    activations: np.ndarray  # (N_UNITS,) a, one decimal each, in [0.2, 2.0]
    mask: np.ndarray  # (N_UNITS,) bool, True = kept
    output: np.ndarray  # (N_UNITS,) a * mask / keep_prob (0 where dropped)
    upstream: np.ndarray  # (N_UNITS,) gradient arriving at the output, one decimal each, never 0
    gradient: np.ndarray  # (N_UNITS,) dropout_backward(upstream): what reaches each unit's input
    scale: float  # 1 / keep_prob (0 at keep_prob 0: nothing is kept)
    kept_unit: int | None  # index of the first kept unit (None if every unit is dropped)
    dropped_unit: int | None  # index of the first dropped unit (None if none is dropped)


def _check_seed(seed) -> int:
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"seed must be an integer, got {type(seed).__name__} {seed!r}")
    if seed < 0:
        raise ValueError(f"seed must be non-negative, got {seed}")
    return int(seed)


def mask_rng(keep_prob: float, seed: int) -> np.random.Generator:
    """The Generator of the live mask: the same random numbers at every keep_prob (checked here all the
    same), so, as in every lesson, the units kept at a lower keep_prob are a subset of those kept at a higher one."""
    check_keep_prob(keep_prob)
    return np.random.default_rng([STREAM_MASK, _check_seed(seed)])


def live_forward_pass(keep_prob: float, seed: int) -> ForwardPass:
    """The forward pass the live questions ask about: values from seed, mask from (seed, keep_prob)."""
    keep_prob = check_keep_prob(keep_prob)
    seed = _check_seed(seed)
    values = np.random.default_rng([STREAM_VALUES, seed])
    activations = np.round(values.uniform(0.2, 2.0, N_UNITS), 1)  # (N_UNITS,)
    magnitudes = values.integers(1, 11, N_UNITS) / 10  # 0.1 .. 1.0
    upstream = np.where(values.random(N_UNITS) < 0.5, -magnitudes, magnitudes)  # (N_UNITS,)
    output, cache = dropout_forward(activations, keep_prob, training=True, inverted=True, rng=mask_rng(keep_prob, seed))
    mask = np.broadcast_to(cache.mask, activations.shape).copy()
    gradient = dropout_backward(upstream, cache)
    kept, dropped = np.flatnonzero(mask), np.flatnonzero(~mask)
    return ForwardPass(keep_prob, activations, mask, output, upstream, gradient, cache.scale,
                       int(kept[0]) if kept.size else None, int(dropped[0]) if dropped.size else None)


def _n(value: float) -> str:
    return format_number(value)


# --- live questions ----------------------------------------------------------------------------


def live_questions(keep_prob: float, seed: int) -> tuple[NumericQuestion, ...]:
    """Numeric questions whose answers are computed by core/dropout.py for this keep_prob and seed.

    Questions about "the forward pass" refer to live_forward_pass(keep_prob, seed), which the page
    draws. Every question stays well posed at keep_prob 0 (all dropped) and 1 (none dropped).
    """
    keep_prob = check_keep_prob(keep_prob)
    fp = live_forward_pass(keep_prob, seed)
    q = format_probability(keep_prob)
    scale_text = f"1 / {q} = {_n(fp.scale)}" if keep_prob > 0 else "undefined (nothing is kept)"
    questions: list[NumericQuestion] = []

    # 1. a kept unit's output (confusions 1, 2: the 0 / (1/keep_prob) scaled mask)
    if fp.kept_unit is not None:
        k = fp.kept_unit
        questions.append(NumericQuestion(
            "live_kept_output",
            f"In the forward pass above (inverted dropout, keep_prob {q}), **unit {k + 1}** has activation "
            f"a = {_n(fp.activations[k])} and the mask **keeps** it. What does it output during training?",
            float(fp.output[k]),
            f"A kept unit is multiplied by the scaled mask entry 1 / keep_prob = {_n(fp.scale)}: "
            f"{_n(fp.activations[k])} × {_n(fp.scale)} = {_n(fp.output[k])}. The scaling happens during "
            "training, so nothing needs to change at test time.",
            "masks", (2,)))
    else:
        questions.append(NumericQuestion(
            "live_kept_output",
            f"With keep_prob {q} the mask above drops **every** unit. What does unit 1 (activation "
            f"a = {_n(fp.activations[0])}) output during training?",
            float(fp.output[0]),
            "Every mask entry is 0, so every output is 0"
            + (": a layer with keep_prob 0 passes nothing on (and 1 / keep_prob is never needed, because nothing "
               "is kept)." if keep_prob == 0 else
               f". This mask happened to drop all {N_UNITS} units (probability (1 − keep_prob)^{N_UNITS} = "
               f"{_n((1 - keep_prob) ** N_UNITS)}); change the seed to see kept ones."),
            "masks", (2,)))

    # 2. the gradient reaching a dropped unit (confusions 1, 5)
    if fp.dropped_unit is not None:
        j = fp.dropped_unit
        questions.append(NumericQuestion(
            "live_dropped_gradient",
            f"In the same pass, **unit {j + 1}** is **dropped**. In backprop the gradient arriving at its output "
            f"is {_n(fp.upstream[j])}. What gradient reaches its input a (dL/da)?",
            float(fp.gradient[j]),
            f"out = a × m / keep_prob, so dout/da = m / keep_prob, and m = 0 for a dropped unit: "
            f"{_n(fp.upstream[j])} × 0 = 0. In this step a dropped unit gets no gradient, so the weights feeding "
            "it do not move (until a later mask keeps it).",
            "backprop", (1, 5)))
    elif keep_prob == 1:
        questions.append(NumericQuestion(
            "live_dropped_gradient",
            f"With keep_prob {q} no unit is dropped. In backprop the gradient arriving at unit 1's output is "
            f"{_n(fp.upstream[0])}. What gradient reaches its input a (dL/da)?",
            float(fp.gradient[0]),
            "keep_prob 1 keeps every unit and 1 / keep_prob = 1, so dropout is the identity and passes the "
            f"gradient through unchanged: {_n(fp.upstream[0])}.",
            "backprop", (1, 5)))
    else:  # this mask happened to keep every unit: ask about a dropped unit of the next pass
        questions.append(NumericQuestion(
            "live_dropped_gradient",
            f"This mask happens to keep every unit, but the next forward pass draws a new one. Suppose it drops "
            f"unit 1 and the gradient arriving at unit 1's output is {_n(fp.upstream[0])}. What gradient reaches "
            "its input a (dL/da)?",
            float(fp.upstream[0] * 0.0 * fp.scale) + 0.0,  # dx = dout * m * scale with m = 0
            f"out = a × m / keep_prob, so dout/da = m / keep_prob, and m = 0 for a dropped unit: "
            f"{_n(fp.upstream[0])} × 0 = 0. In that step the weights feeding unit 1 get no gradient.",
            "backprop", (1, 5)))

    # 3. the gradient reaching a kept unit (confusions 1, 3: the backward reuses the SCALED mask)
    if fp.kept_unit is not None:
        k = fp.kept_unit
        questions.append(NumericQuestion(
            "live_kept_gradient",
            f"Unit {k + 1} was kept. The gradient arriving at its output is {_n(fp.upstream[k])}. "
            "What gradient reaches its input a?",
            float(fp.gradient[k]),
            f"The backward pass multiplies by the same scaled mask as the forward pass, m / keep_prob = "
            f"{_n(fp.scale)}: {_n(fp.upstream[k])} × {_n(fp.scale)} = {_n(fp.gradient[k])}. That factor is "
            "the chain rule, d(c·a)/da = c, not an extra convention; using the binary 0/1 mask instead gives "
            "a wrong gradient, which a numerical gradient check catches.",
            "backprop", (1, 3)))
    else:
        questions.append(NumericQuestion(
            "live_kept_gradient",
            f"With keep_prob {q} every unit is dropped. The gradient arriving at unit 1's output is "
            f"{_n(fp.upstream[0])}. What gradient reaches its input a?",
            float(fp.gradient[0]),
            "Every mask entry is 0, so the backward pass multiplies every gradient by 0: nothing below this "
            + ("layer learns while keep_prob is 0." if keep_prob == 0 else "layer learns from this step."),
            "backprop", (1, 3)))

    # 4. the fraction of a 512-unit layer dropped on average (confusion 5)
    expected_kept = float(expected_output(1.0, keep_prob, training=True, inverted=False))  # E[m] = keep_prob
    one_mask = bernoulli_mask(N_LAYER_UNITS, keep_prob, np.random.default_rng([STREAM_LAYER, seed]))
    n_dropped = int(N_LAYER_UNITS - one_mask.sum())
    spread = math.sqrt(keep_prob * (1 - keep_prob) / N_LAYER_UNITS)
    questions.append(NumericQuestion(
        "live_fraction_dropped",
        f"A hidden layer has {N_LAYER_UNITS} units and keep_prob {q}. On average, what **fraction** of its units "
        "does one mask drop? (a number from 0 to 1)",
        1.0 - expected_kept,
        f"Each unit is dropped with probability 1 − keep_prob = {_n(1 - expected_kept)}, so that is the average "
        f"fraction. One actual mask (this seed's) drops {n_dropped} of {N_LAYER_UNITS} = "
        f"{_n(n_dropped / N_LAYER_UNITS)}: a single mask scatters around the average by about "
        f"±{_n(spread)} (one standard error), and every forward pass draws a new one.",
        "masks", (5,), min_value=0.0, max_value=1.0))

    # 5. standard dropout, test time (confusion 4)
    questions.append(NumericQuestion(
        "live_standard_test_scale",
        f"**Standard** dropout (the original paper's form) with keep_prob {q}: at **test time** every unit is "
        "used. By what number is each activation (or, equivalently, each outgoing weight) multiplied?",
        float(output_scale(keep_prob, training=False, inverted=False)),
        f"Standard dropout leaves kept units unscaled during training, so on average a unit delivers keep_prob × a. "
        f"To match that at test time, where every unit is on, it multiplies by keep_prob = {q}. "
        f"Inverted dropout instead multiplies by 1 / keep_prob during training ({scale_text}) "
        "and does nothing at test time: the same expected activation either way.",
        "train_vs_test", (4,), min_value=0.0))

    # 6. inverted dropout, test time (confusion 6)
    questions.append(NumericQuestion(
        "live_inverted_test_scale",
        f"**Inverted** dropout (what PyTorch and Keras do) with keep_prob {q}: at **test time**, by what number "
        "is each activation multiplied?",
        float(output_scale(keep_prob, training=False, inverted=True)),
        "By 1: at inference dropout is switched off (`model.eval()` in PyTorch, `training=False` in Keras), every "
        "unit is used, and the 1 / keep_prob scaling was already applied during training.",
        "inference", (6,), min_value=0.0))

    # 7. standard dropout, a kept unit during training (confusion 4)
    k = fp.kept_unit if fp.kept_unit is not None else 0
    standard_kept = float(fp.activations[k] * output_scale(keep_prob, training=True, inverted=False))
    questions.append(NumericQuestion(
        "live_standard_train_output",
        f"**Standard** dropout during **training**, keep_prob {q}: a kept unit has activation "
        f"{_n(fp.activations[k])}. What does it output?",
        standard_kept,
        f"Standard dropout only zeroes the dropped units; a kept unit passes its activation through unchanged "
        f"({_n(fp.activations[k])}). The correction comes at test time (× keep_prob). Inverted dropout would "
        f"output {_n(fp.activations[k] * fp.scale) if keep_prob > 0 else 0} here instead.",
        "train_vs_test", (4,)))

    # 8. the expected training output under inverted dropout (confusion 2)
    a = float(fp.activations[-1])
    expected_inverted = float(expected_output(a, keep_prob, training=True, inverted=True))
    questions.append(NumericQuestion(
        "live_expected_output",
        f"Inverted dropout, keep_prob {q}: a unit has activation {_n(a)}. Averaged over many masks, what is its "
        "**expected** output during training?",
        expected_inverted,
        (f"E[out] = keep_prob × (a / keep_prob) + (1 − keep_prob) × 0 = a = {_n(a)}: dividing by keep_prob makes "
         "the training average equal the test-time activation." if keep_prob > 0 else
         "At keep_prob 0 every mask drops the unit, so every output and therefore the average is 0."),
        "expected", (2,)))

    # 9. the forgotten scaling (confusion 2)
    no_scaling = float(expected_output(a, keep_prob, training=True, inverted=False))
    if 0 < keep_prob < 1:
        forgot = (f"Without the division E[out] = keep_prob × a = {q} × {_n(a)} = {_n(no_scaling)}, while at test "
                  f"time the unit outputs {_n(a)}: the next layer sees inputs {_n(1 / keep_prob)} times larger at "
                  "test time than it was trained on.")
    elif keep_prob == 1:
        forgot = (f"At keep_prob 1 nothing is dropped, so the missing division does no harm: {_n(a)}. Any keep_prob "
                  "below 1 would shrink the training average to keep_prob × a.")
    else:
        forgot = ("At keep_prob 0 every unit is dropped, so the training output is always 0, scaled or not; at any "
                  "keep_prob between 0 and 1 the missing division would make the average keep_prob × a.")
    questions.append(NumericQuestion(
        "live_forgot_scaling",
        f"A bug: the mask is applied during training but nobody divides by keep_prob, and test time uses the "
        f"activations as they are. With keep_prob {q}, what is the **expected** training output of a unit with "
        f"activation {_n(a)}?",
        no_scaling, forgot, "train_vs_test", (2,)))

    # 10. the conventions (PyTorch's p)
    pytorch = convention_by_name("pytorch")
    questions.append(NumericQuestion(
        "live_pytorch_p",
        f"You want keep_prob {q} in PyTorch. What number goes into `torch.nn.Dropout(p=...)`?",
        pytorch.value(keep_prob),
        f"PyTorch's p is the probability of **dropping** an element: p = 1 − keep_prob = "
        f"{format_probability(pytorch.value(keep_prob))}, i.e. `{pytorch.call(keep_prob)}`. Keras' rate and "
        "TensorFlow 2's rate mean the same; TensorFlow 1's keep_prob and the original paper's p mean keep.",
        "conventions", (), min_value=0.0, max_value=1.0))

    # 11. spatial dropout on feature maps (confusion 7)
    expected_channels = float(np.sum(1.0 - expected_output(np.ones(N_CHANNELS), keep_prob, training=True,
                                                           inverted=False)))
    questions.append(NumericQuestion(
        "live_spatial_channels",
        f"Spatial dropout (`Dropout2d` / `SpatialDropout2D`) with keep_prob {q} on one image's {N_CHANNELS} "
        "feature maps of 8 × 8 pixels. On average, how many **whole feature maps** does one mask drop?",
        expected_channels,
        f"One draw per channel: each of the {N_CHANNELS} maps is dropped with probability 1 − keep_prob, so on "
        f"average {N_CHANNELS} × {_n(1 - keep_prob)} = {_n(expected_channels)} maps, each entirely (all 64 pixels). "
        "Dropping whole maps is what makes it regularise: single dropped pixels are guessed from their neighbours.",
        "feature_maps", (7,), min_value=0.0, max_value=float(N_CHANNELS)))
    return tuple(questions)


# --- concept questions (one or more per MISSION.md confusion) -----------------------------------

CONCEPT_QUESTIONS: tuple[ChoiceQuestion, ...] = (
    ChoiceQuestion(
        "concept_backward_mask",
        "With inverted dropout and keep_prob 0.5, the forward pass multiplies by a mask of 0s and 2s. "
        "Which factor does the **backward** pass multiply the upstream gradient by?",
        ("The binary mask of 0s and 1s: the 1/keep_prob was only for the forward pass",
         "The same 0s and 2s, i.e. mask / keep_prob",
         "A freshly drawn mask of 0s and 2s",
         "Just 2 for every unit, since dropped units already output 0"),
        1,
        "The layer computes out = a × (mask / keep_prob). Its derivative with respect to a is exactly "
        "mask / keep_prob, so the backward pass reuses the forward pass's scaled mask: 0s and 2s here. "
        "Split into two steps (c = a × mask, then out = c / keep_prob) the chain rule gives the same product.",
        ("That gradient is keep_prob times too small for every kept unit: a gradient check shows the error.",
         "",
         "The mask must be the very one the forward pass used: a different mask gives gradients to units that "
         "contributed nothing to the output, and none to some that did.",
         "Dropped units had derivative 0 in the forward pass; their gradient must be 0 too."),
        "backprop", (1,)),
    ChoiceQuestion(
        "concept_why_divide",
        "Why does inverted dropout divide the kept activations by keep_prob during training?",
        ("To make the activations sparser",
         "To keep the gradients from vanishing",
         "So that the expected activation during training equals the activation at test time",
         "To make the variance of each activation equal to 1"),
        2,
        "Each mask entry is 1 with probability keep_prob, so without the division a unit delivers "
        "keep_prob × a on average during training, but a at test time when every unit is on. Dividing by "
        "keep_prob makes E[out] = a in both phases. The price: the training output gets noisier, with variance "
        "a² (1 − keep_prob) / keep_prob.",
        ("Sparsity comes from the zeros of the mask, not from the division, which only enlarges kept units.",
         "The division rescales the gradient of kept units, but its purpose is to match the expected activation.",
         "",
         "The division increases the variance (a² (1 − keep_prob) / keep_prob); it matches the mean, not the "
         "variance."),
        "expected", (2,)),
    ChoiceQuestion(
        "concept_forgot_scaling",
        "A network is trained with dropout (keep_prob 0.5) but the code never scales: no 1/keep_prob during "
        "training and nothing at test time. What goes wrong at test time?",
        ("Nothing: the mask is off at test time, so the activations are the same",
         "The next layer receives inputs about twice as large as it saw on average during training",
         "The next layer receives inputs about half as large as during training",
         "The gradients are wrong, but the predictions are fine"),
        1,
        "During training half the units are missing, so the next layer learns weights for inputs that average "
        "0.5 × a. At test time every unit is on and it receives a: twice as much, and its outputs shift. Either "
        "scale by 1/keep_prob during training (inverted) or by keep_prob at test time (standard).",
        ("The activations at test time are a, but during training they averaged keep_prob × a: the two differ.",
         "",
         "The other way round: test time has MORE active units than training.",
         "The gradients match the (unscaled) forward pass; it is the train/test mismatch of the activations that "
         "hurts the predictions."),
        "train_vs_test", (2, 4)),
    ChoiceQuestion(
        "concept_chain_rule",
        "A student says: \"dA is divided by keep_prob in backprop only because the cs231n code does it; the chain "
        "rule would not.\" Who is right?",
        ("The student: the division is a convention to keep the gradient's scale",
         "Neither: the gradient should be multiplied by keep_prob",
         "The code, and it IS the chain rule: out = (mask / keep_prob) × a, so dout/da = mask / keep_prob",
         "It does not matter: leaving the factor out only changes the learning rate of the whole network"),
        2,
        "If g(a) = c × f(a) then g′(a) = c × f′(a): a constant factor in the forward pass appears in the derivative. "
        "Here c = 1/keep_prob and f(a) = mask × a. The numerical gradient check on the Backprop page confirms it, "
        "and shows the relative error when the factor is left out.",
        ("It is not a convention: the derivative of the forward pass contains the factor.",
         "Multiplying by keep_prob would be the derivative of standard dropout at TEST time, not of inverted "
         "dropout during training.",
         "",
         "It only changes the gradient of the layers below the dropout layer, not of those above it, so it is not "
         "one global learning rate; and the gradient check fails."),
        "backprop", (3,)),
    ChoiceQuestion(
        "concept_standard_vs_inverted",
        "Standard (original paper) and inverted dropout are applied to the same activations with the same mask "
        "(keep_prob 2/3). Which statement is true?",
        ("Their training outputs are identical; they differ only in the backward pass",
         "Standard dropout's kept units are 1.5 times larger during training",
         "Inverted dropout's kept units are 1.5 times larger during training; at test time standard dropout "
         "multiplies by 2/3 and inverted does nothing",
         "Inverted dropout multiplies by 2/3 at test time too"),
        2,
        "Standard dropout keeps kept units as they are during training and multiplies by keep_prob (2/3) at test "
        "time. Inverted dropout multiplies kept units by 1/keep_prob = 1.5 during training and leaves test time "
        "alone. Both give the same expected activation relative to their test-time output, which is why "
        "frameworks prefer inverted: inference code needs no dropout logic at all.",
        ("The training outputs differ by the factor 1/keep_prob on every kept unit.",
         "The other way round: standard dropout leaves kept units unscaled during training.",
         "",
         "Inverted dropout already scaled during training; scaling again at test time would shrink the outputs."),
        "train_vs_test", (4,)),
    ChoiceQuestion(
        "concept_new_mask",
        "During training, when is a new dropout mask drawn?",
        ("Once, when the network is created",
         "Once per epoch",
         "On every forward pass (every iteration, and independently for every example in the batch)",
         "Only for the units that were dropped last time"),
        2,
        "Every forward pass draws a fresh Bernoulli mask, entry by entry: over many iterations every unit is "
        "trained in many different thinned networks, which is what keeps units from relying on each other.",
        ("A fixed mask would just train a smaller network: the dropped units would never learn.",
         "Every mini-batch step draws a new mask, many times per epoch.",
         "",
         "Each entry is an independent draw each time, whatever happened before."),
        "masks", (5,)),
    ChoiceQuestion(
        "concept_dropped_weights",
        "In one training step with plain SGD, a hidden unit is dropped. What happens to the weights that feed "
        "into it?",
        ("They get a zero gradient in this step, so they do not change in this step",
         "They are set to zero",
         "They get the average gradient of the kept units",
         "They are removed from the network for the rest of the epoch"),
        0,
        "The dropped unit's output is 0 whatever its inputs, so the loss does not depend on its incoming weights "
        "in this step: their gradient is 0 and plain SGD leaves them as they are. Next step a new mask may keep "
        "the unit, and they learn again. (With momentum or weight decay they can still drift a little.)",
        ("",
         "The weights are untouched; only the unit's output is zeroed, for this step only.",
         "Backprop gives each weight its own derivative; for a dropped unit it is exactly 0.",
         "A new mask is drawn at the next step; the unit may well be kept then."),
        "backprop", (5,)),
    ChoiceQuestion(
        "concept_inference",
        "A network was trained with inverted dropout (keep_prob 0.8). What do you do at inference (test time)?",
        ("Keep dropping with keep_prob 0.8 and use a single forward pass",
         "Use every unit with no mask and no scaling: dropout is switched off",
         "Use every unit and multiply the activations by 0.8",
         "Use every unit and divide the activations by 0.8"),
        1,
        "At inference dropout is off: every unit is used, and since inverted dropout already scaled during "
        "training, nothing else is done (`model.eval()` in PyTorch). Keeping dropout on and averaging many passes "
        "(MC dropout) is a separate technique for estimating uncertainty, not the default prediction.",
        ("One random pass gives a noisy prediction; that is not how a trained model is used (MC dropout averages "
         "many passes on purpose).",
         "",
         "That is the test-time rule of STANDARD dropout; inverted dropout already scaled during training.",
         "That would scale twice: the 1/keep_prob belongs to training only."),
        "inference", (6,)),
    ChoiceQuestion(
        "concept_feature_maps",
        "Why does ordinary (element-wise) dropout on convolutional feature maps regularise poorly?",
        ("Convolutional layers have too few weights to overfit",
         "Neighbouring pixels of a feature map are strongly correlated, so a dropped pixel's information survives "
         "in its neighbours",
         "Dropout cannot be applied to 4-D tensors",
         "The convolution's backward pass ignores the mask"),
        1,
        "A feature map is smooth: a dropped pixel is nearly predictable from the pixels around it, so the next "
        "layer hardly loses anything and co-adaptation is barely disturbed. Spatial dropout (PyTorch `Dropout2d`, "
        "Keras `SpatialDropout2D`) drops whole feature maps (channels) instead, which removes the information "
        "for real.",
        ("Convolutional networks overfit readily; the issue is where the information lives, not the weight count.",
         "",
         "Element-wise dropout works on any shape; it just removes little information from smooth maps.",
         "The backward pass uses the mask exactly as for dense layers."),
        "feature_maps", (7,)),
    ChoiceQuestion(
        "concept_spatial_mask",
        "Spatial dropout on an input of shape (N, C, H, W). What is the shape of the mask it draws?",
        ("(N, C, H, W): one draw per pixel",
         "(N, C, 1, 1): one draw per example and channel, broadcast over the H × W pixels",
         "(1, C, 1, 1): the same channels dropped for every example",
         "(N, 1, H, W): the same pixels dropped in every channel"),
        1,
        "One Bernoulli draw per (example, channel) decides a whole H × W feature map; the mask broadcasts over the "
        "pixels, and each example gets its own draws.",
        ("That is element-wise dropout, the one that regularises feature maps poorly.",
         "",
         "Each example draws its own channels, as each example draws its own units in ordinary dropout.",
         "That would drop pixel positions across all channels, which neighbouring pixels still make up for."),
        "feature_maps", (7,)),
)


# --- pitfall questions (one per view of the lesson "Pitfalls", in its order) --------------------------

_FLIPPED_KEEP = 0.8
_FLIPPED_RATIO = flipped_bias(_FLIPPED_KEEP)  # 0.25: (1 - 0.8) / 0.8
_BN_KEEP = 0.5
_BN_TRAIN_VARIANCE = train_variance(BN_MEAN, BN_STD, _BN_KEEP)  # 3: (1 + 1) / 0.5 - 1

PITFALL_QUESTIONS: tuple[ChoiceQuestion, ...] = (
    ChoiceQuestion(
        "pitfall_left_on",
        "At test time a PyTorch model with dropout gives the same image a different class on different calls. "
        "What is the likeliest cause?",
        ("The weights are still being updated by the optimiser",
         "The model is still in training mode (`model.eval()` was never called), so every call draws new masks",
         "Floating-point rounding differs from call to call",
         "The test images are shuffled"),
        1,
        "`model.train()` (the default after building a model) keeps dropout on: each call runs another randomly "
        "thinned network. `model.eval()` switches dropout off (and makes BatchNorm use its running statistics); "
        "in Keras, calling `model(x, training=True)` does the same harm. Doing it on purpose and averaging many "
        "calls is MC dropout.",
        ("Without an optimiser step the weights do not move between calls; the masks do.",
         "",
         "Rounding would move scores in the last digits, not change the predicted class.",
         "The same image was given each time; only the dropout masks changed."),
        "pitfalls", ()),
    ChoiceQuestion(
        "pitfall_mask_shape",
        "The activations `a` have shape (N, D) = (examples, units). What does "
        "`mask = rng.random((1, D)) < keep_prob; out = a * mask / keep_prob` do?",
        ("Dropout as it should be: one draw per entry",
         "It drops the same units for every example of the minibatch: those units get no gradient this step",
         "It drops whole examples: each row is all kept or all dropped",
         "It raises an error, since (1, D) is not (N, D)"),
        1,
        "Broadcasting copies the one row of draws to every example, so the whole minibatch trains one thinned "
        "network and a dropped unit gets no gradient from any example. The mask must have a's shape: "
        "`rng.random(a.shape) < keep_prob`. (N, 1) would drop whole examples instead.",
        ("Dropout draws one number per entry; this draws one per unit.",
         "",
         "That is the (N, 1) mask; (1, D) has one draw per unit.",
         "NumPy broadcasts (1, D) against (N, D) silently: no error, just the wrong mask."),
        "pitfalls", ()),
    ChoiceQuestion(
        "pitfall_flipped",
        f"A layer computes `mask = rng.random(a.shape) > keep_prob; out = a * mask / keep_prob` with keep_prob "
        f"{_FLIPPED_KEEP}. During training, what is the expected output of a unit with activation a?",
        ("a, as intended",
         f"{format_number(_FLIPPED_RATIO)} × a",
         f"{format_number(1 / _FLIPPED_RATIO)} × a",
         f"{format_number(_FLIPPED_KEEP)} × a"),
        1,
        f"`>` keeps a unit with probability 1 − keep_prob = {format_number(1 - _FLIPPED_KEEP)}, but the code still "
        f"divides by keep_prob: E[out] = (1 − keep_prob) / keep_prob × a = {format_number(_FLIPPED_RATIO)} × a. At "
        "keep_prob 0.5 the bug is invisible (the ratio is 1), which is how it survives testing.",
        ("Only `<` keeps with probability keep_prob; `>` keeps the complement.",
         "",
         "That would be keep_prob / (1 − keep_prob): the ratio upside down.",
         "That is standard dropout's training output without the division, not this bug."),
        "pitfalls", ()),
    ChoiceQuestion(
        "pitfall_training_loss",
        "During training with dropout (keep_prob 0.5) the training loss your loop prints is above the validation "
        "loss. What is the most likely explanation?",
        ("The validation images leaked into the training set",
         "The printed training loss is measured with dropout on, on randomly thinned networks; measured with "
         "dropout off it is lower",
         "The network underfits and needs a larger learning rate",
         "Validation loss is always below training loss"),
        1,
        "The loop averages the loss of the epoch's minibatches, each through its own random masks, while the "
        "validation loss runs the whole network with dropout off. Measure the training loss in eval mode too and "
        "it falls below the validation loss.",
        ("A leak makes validation look good, but the first thing to check is how each loss was measured.",
         "",
         "The training loss measured with dropout off is usually low: the network fits its training set.",
         "Without dropout (or other noise in training) the training loss is usually the lower one."),
        "pitfalls", ()),
    ChoiceQuestion(
        "pitfall_batchnorm",
        f"Dropout with keep_prob {format_number(_BN_KEEP)} sits right before a BatchNorm layer. A unit's input to "
        f"dropout has mean {format_number(BN_MEAN)} and variance {format_number(BN_STD ** 2)}. What goes wrong at "
        "test time?",
        (f"BatchNorm divides by its running variance from training, {format_number(_BN_TRAIN_VARIANCE)}, but now "
         f"sees variance {format_number(BN_STD ** 2)}: its outputs are too narrow",
         "Nothing: inverted dropout keeps both the mean and the variance",
         "BatchNorm recomputes its statistics from each test batch in eval mode, so it adapts",
         "The mean shifts by 1 / keep_prob"),
        0,
        "After inverted dropout the variance is (σ² + μ²) / keep_prob − μ² = "
        f"{format_number(_BN_TRAIN_VARIANCE)}; BatchNorm stores it as its running variance and uses it in eval "
        "mode, where dropout is off and the variance is σ² again (the variance shift of Li et al., 2019). Put "
        "dropout after the last BatchNorm.",
        ("",
         "Inverted dropout keeps the mean; the variance grows.",
         "In eval mode BatchNorm uses the running statistics it kept during training.",
         "The mean is unchanged by inverted dropout (that is what the division is for)."),
        "pitfalls", ()),
    ChoiceQuestion(
        "pitfall_activation_order",
        "With inverted dropout, does it matter whether dropout comes before or after the activation function?",
        ("Yes, for every activation function",
         "No, for every activation function",
         "Not for ReLU (ReLU(m·z / keep_prob) = m·ReLU(z) / keep_prob exactly), but with a sigmoid a dropped unit "
         "outputs sigmoid(0) = 0.5 if dropout comes first",
         "Only at test time"),
        2,
        "m / keep_prob is 0 or a positive number, and ReLU commutes with multiplying by a non-negative number, "
        "so both orders give the same outputs. A sigmoid does not: sigmoid(0) = 0.5, so a unit dropped before it "
        "still sends 0.5; with tanh the dropped units agree (tanh(0) = 0) but kept ones differ.",
        ("For ReLU the two orders give identical outputs.",
         "A sigmoid's dropped unit sends 0.5 instead of 0 when dropout comes first.",
         "",
         "At test time dropout is off, so its position does not matter then; in training it does."),
        "pitfalls", ()),
)


def all_questions(keep_prob: float, seed: int) -> tuple[NumericQuestion | ChoiceQuestion, ...]:
    """Every question of the page, live ones first, then concepts, then pitfalls. Ids are unique."""
    return (*live_questions(keep_prob, seed), *CONCEPT_QUESTIONS, *PITFALL_QUESTIONS)
