"""Lesson 4, Backprop and gradients (being written)."""

import streamlit as st

from ui.state import lesson_settings

settings = lesson_settings()
st.title("Backprop and gradients")
st.write("This lesson is being written.")
