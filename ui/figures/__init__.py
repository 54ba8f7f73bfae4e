"""Plotly figure builders: plain functions from arrays to go.Figure, tested without Streamlit.

`common` holds the builders several lessons share (heatmaps, the network diagram); each lesson
adds its own module beside it.
"""
