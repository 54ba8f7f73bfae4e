"""Cached wrappers for the practice pages (core/self_check.py, core/conventions.py).

Arguments are plain values (keep_prob, seed); results are a few small arrays and strings.
"""

from __future__ import annotations

import streamlit as st

from core import conventions, self_check


@st.cache_data(max_entries=32, show_spinner=False)
def forward_pass(keep_prob: float, seed: int) -> self_check.ForwardPass:
    """The 8-unit forward and backward pass the live questions refer to."""
    return self_check.live_forward_pass(keep_prob, seed)


@st.cache_data(max_entries=32, show_spinner=False)
def questions(keep_prob: float, seed: int) -> tuple:
    """Every self-check question for these settings: live ones (computed) first, then concept ones."""
    return self_check.all_questions(keep_prob, seed)


@st.cache_data(max_entries=32, show_spinner=False)
def conventions_table(keep_prob: float) -> list[dict[str, str]]:
    """One row per convention: parameter, meaning, the value and the one-line call for keep_prob."""
    return conventions.table_rows(keep_prob)
