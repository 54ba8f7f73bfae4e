"""The baseline's page (one small heatmap of a mask) as a page of the app: see benchmarks/frame_app.py."""

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from ui.state import lesson_settings

settings = lesson_settings()
st.title("Baseline in the app's frame")
mask = np.random.default_rng(0).random((8, 16)) < settings.keep_prob
st.plotly_chart(go.Figure(go.Heatmap(z=mask.astype(float))), key="baseline")
