"""The baseline inside the app's frame: every page in the navigation, the shared sidebar, and at / a page
that draws only the baseline's small heatmap (benchmarks/frame_page.py).

bench_interaction.py measures it beside the bare baseline: the difference is what the frame costs per
key press, and whatever a lesson costs beyond this page is the lesson's own content.
"""

import sys
from pathlib import Path

import streamlit as st

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ui.state import PAGE_CONFIG, run_frame  # noqa: E402

st.set_page_config(**PAGE_CONFIG)
run_frame(root=f"{ROOT}/", home=str(Path(__file__).with_name("frame_page.py")))
