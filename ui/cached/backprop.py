"""Cached wrappers for the lesson "Backprop and gradients" (core/two_layer.py).

Arguments are plain values (keep_prob, seed, number of examples); every Generator is built inside
core from them. One entry holds a tiny net and a few dozen gradients: a hundred entries cost little.
"""

from __future__ import annotations

import streamlit as st

from core import two_layer

EXAMPLE_OPTIONS = (1, 4)  # minibatch sizes offered: one example (exact zeros per unit) or a small batch
SIZES = (4, 6, 3)


@st.cache_data(max_entries=128, show_spinner=False)
def case(keep_prob: float, seed: int, n_examples: int) -> two_layer.LessonCase:
    """The net, minibatch, mask, loss and gradients fixed by keep_prob, seed and the batch size."""
    return two_layer.lesson_case(seed, keep_prob, n_examples, SIZES)


@st.cache_data(max_entries=128, show_spinner=False)
def checks(keep_prob: float, seed: int, n_examples: int) -> dict[str, two_layer.GradCheck]:
    """Every backward variant checked against centred differences (about 0.1 s, once per setting)."""
    return two_layer.check_every_variant(case(keep_prob, seed, n_examples))


@st.cache_data(max_entries=128, show_spinner=False)
def hidden_table(keep_prob: float, seed: int, n_examples: int) -> dict:
    """The dropout backward of example 0, unit by unit."""
    return two_layer.hidden_layer_table(case(keep_prob, seed, n_examples), 0)
