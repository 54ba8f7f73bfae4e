"""The yardstick for interactive speed: a trivial Streamlit page with the same keep_prob slider
and one small heatmap. bench_interaction.py compares every lesson page against it."""

import numpy as np
import plotly.graph_objects as go
import streamlit as st

keep_prob = st.sidebar.slider("keep_prob", 0.0, 1.0, 0.5, 0.05, key="keep_prob", bind="query-params")
st.title("Baseline")
mask = np.random.default_rng(0).random((8, 16)) < keep_prob
st.plotly_chart(go.Figure(go.Heatmap(z=mask.astype(float))), key="baseline")
