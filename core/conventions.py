"""How each framework and text names the dropout probability, translated to and from keep_prob.

Pure Python (no NumPy needed). The app speaks of keep_prob, the probability of KEEPING a unit;
PyTorch's `p`, Keras' `rate` and TensorFlow 2's `rate` are drop probabilities (1 - keep_prob);
TensorFlow 1's `keep_prob`, the original paper's `p` and cs231n's current `p` are keep
probabilities.

    rows = table_rows(0.8)              # one dict per convention, with the one-line call for keep_prob 0.8
    convention_by_name("pytorch").call(0.8)           # 'torch.nn.Dropout(p=0.2)'
    keep_prob_from(convention_by_name("keras"), 0.2)  # 0.8
"""

from __future__ import annotations

from dataclasses import dataclass

from core.dropout import check_keep_prob

__all__ = [
    "CONVENTIONS",
    "DROP",
    "KEEP",
    "Convention",
    "convention_by_name",
    "format_probability",
    "framework_value",
    "keep_prob_from",
    "table_rows",
]

KEEP = "keep"  # the parameter is the probability of keeping a unit
DROP = "drop"  # the parameter is the probability of dropping a unit


def format_probability(value: float) -> str:
    """A probability as it is typed in code: at most 4 decimals, no trailing zeros ('0.2', '0.35', '1.0').

    Rounding first removes float noise such as 1 - 0.8 = 0.19999999999999996.
    """
    value = round(float(value), 4) + 0.0  # + 0.0 turns -0.0 into 0.0
    text = f"{value:.4f}".rstrip("0")
    return text + "0" if text.endswith(".") else text


@dataclass(frozen=True)
class Convention:
    """One place dropout appears in the wild, and how its number relates to keep_prob."""

    name: str  # short identifier used by the app ("pytorch", "keras_spatial", ...)
    where: str  # framework or text, for the table
    parameter: str  # the name of its argument or symbol
    meaning: str  # KEEP or DROP
    template: str  # the one-line call, with {value} where the number goes
    drops: str  # what one random draw switches off: "single units" or "whole feature maps (channels)"
    note: str  # the trap, in one sentence
    refused: float | None = None  # a value of its number that the call rejects with a ValueError (None: none)
    refusal: str = ""  # why, as the framework says it

    def refuses(self, keep_prob: float) -> bool:
        """Whether the call for keep_prob raises instead of running (TensorFlow rejects dropping everything)."""
        return self.refused is not None and self.value(keep_prob) == self.refused

    def value(self, keep_prob: float) -> float:
        """The number this convention writes for keep_prob (rounded to 4 decimals)."""
        keep_prob = check_keep_prob(keep_prob)
        return round(keep_prob if self.meaning == KEEP else 1.0 - keep_prob, 4) + 0.0

    def call(self, keep_prob: float) -> str:
        """The exact one-line call (or formula) for keep_prob, e.g. 'torch.nn.Dropout(p=0.2)'."""
        return self.template.format(value=format_probability(self.value(keep_prob)))

    def labelled_call(self, keep_prob: float) -> str:
        """The call with a comment naming where it comes from, for listings of several conventions."""
        code, hash_sign, comment = self.call(keep_prob).partition("  # ")
        refused = f": raises ValueError, {self.refusal}" if self.refuses(keep_prob) else ""
        return f"{code}  # {self.where}" + (f": {comment}" if hash_sign else "") + refused


CONVENTIONS: tuple[Convention, ...] = (
    Convention("app", "This app (core/dropout.py)", "keep_prob", KEEP,
               "dropout_forward(x, keep_prob={value}, training=True, inverted=True, rng=seed)", "single units",
               "The name says what it is: the probability of keeping a unit."),
    Convention("pytorch", "PyTorch", "p", DROP, "torch.nn.Dropout(p={value})", "single units",
               "PyTorch's p is the probability of zeroing an element; kept ones are scaled by 1 / (1 − p)."),
    Convention("pytorch_2d", "PyTorch (feature maps)", "p", DROP, "torch.nn.Dropout2d(p={value})",
               "whole feature maps (channels)",
               "Same p as nn.Dropout, but one draw zeroes a whole channel of an (N, C, H, W) input."),
    Convention("keras", "Keras", "rate", DROP, "keras.layers.Dropout(rate={value})", "single units",
               "rate is the fraction of inputs to drop; active only in training mode (training=True, which "
               "model.fit sets for you)."),
    Convention("keras_spatial", "Keras (feature maps)", "rate", DROP, "keras.layers.SpatialDropout2D(rate={value})",
               "whole feature maps (channels)",
               "Drops entire 2-D feature maps instead of single pixels, with the same meaning of rate."),
    Convention("tf1", "TensorFlow 1.x", "keep_prob", KEEP, "tf.nn.dropout(x, keep_prob={value})", "single units",
               "TensorFlow 1 named the keep probability, like this app; TF 1.13+ deprecated it for rate.",
               refused=0.0, refusal="keep_prob must be in (0, 1]"),
    Convention("tf2", "TensorFlow 2.x", "rate", DROP, "tf.nn.dropout(x, rate={value})", "single units",
               "TensorFlow 2 switched to rate, a drop probability: porting TF1 code means writing 1 − keep_prob.",
               refused=1.0, refusal="rate must be in [0, 1)"),
    Convention("paper", "Srivastava et al. 2014 (JMLR)", "p", KEEP,
               "p = {value}  # retain probability, r_j ~ Bernoulli(p); test time: W_test = p * W",
               "single units",
               "The paper's p is the probability of retaining a unit (0.5 for hidden, 0.8 for input units), "
               "and it scales the weights by p at test time instead of dividing during training."),
    Convention("cs231n", "cs231n (current notes and assignment)", "p", KEEP,
               "p = {value}  # keep probability: mask = (rng.random(x.shape) < p) / p", "single units",
               "The current notes use p as the probability of keeping a unit, but an older year of the "
               "assignment used p as the drop probability: check the year's notes."),
)

_BY_NAME = {convention.name: convention for convention in CONVENTIONS}


def convention_by_name(name: str) -> Convention:
    """The Convention called `name` (see CONVENTIONS); ValueError naming the options if unknown."""
    if not isinstance(name, str):
        raise TypeError(f"name must be a string, got {type(name).__name__}")
    try:
        return _BY_NAME[name]
    except KeyError:
        raise ValueError(f"name must be one of {sorted(_BY_NAME)}, got {name!r}") from None


def framework_value(convention: Convention, keep_prob: float) -> float:
    """The number `convention` writes for keep_prob: keep_prob itself or 1 - keep_prob."""
    if not isinstance(convention, Convention):
        raise TypeError(f"convention must be a Convention, got {type(convention).__name__}")
    return convention.value(keep_prob)


def keep_prob_from(convention: Convention, value: float) -> float:
    """The keep_prob that `convention`'s number `value` means (the inverse of framework_value)."""
    if not isinstance(convention, Convention):
        raise TypeError(f"convention must be a Convention, got {type(convention).__name__}")
    value = check_keep_prob(value, name="value")  # every convention's number is a probability in [0, 1]
    return round(value if convention.meaning == KEEP else 1.0 - value, 4) + 0.0


def table_rows(keep_prob: float) -> list[dict[str, str]]:
    """One row per convention for keep_prob: where, parameter, meaning, the value to write, the call, the trap.

    Plain dicts of strings, so that a page can make a pandas DataFrame of them directly.
    """
    keep_prob = check_keep_prob(keep_prob)
    return [
        {
            "where": convention.where,
            "parameter": convention.parameter,
            "means": "keep probability" if convention.meaning == KEEP else "drop probability",
            "value": format_probability(convention.value(keep_prob)),
            "one-line call": convention.call(keep_prob),
            "one draw drops": convention.drops,
            "watch out": convention.note + (f" This value raises a ValueError: {convention.refusal}."
                                            if convention.refuses(keep_prob) else ""),
        }
        for convention in CONVENTIONS
    ]
