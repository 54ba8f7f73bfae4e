"""Dropout Lab: the frame and router. Page config, the shared sidebar, navigation over pages/."""

import streamlit as st

from ui.cached.training import start_precompute
from ui.live import ensure_plotly_js
from ui.state import PAGE_CONFIG, run_frame

st.set_page_config(**PAGE_CONFIG)
ensure_plotly_js()  # plotly.js for the live charts, copied from the plotly package into static/
start_precompute()  # once per server: trains the default runs of Training lab and Inference in the background
run_frame()
