"""Dropout Lab: the frame and router. Page config, the shared sidebar, navigation over pages/."""

import streamlit as st

from ui.cached.training import start_precompute
from ui.lessons import all_pages
from ui.state import PAGE_CONFIG, ROUTER_FLAG, shared_sidebar

st.set_page_config(**PAGE_CONFIG)
start_precompute()  # once per server: trains the default runs of Training lab and Inference in the background

sections: dict[str, list] = {}
for lesson in all_pages():
    if lesson.url_path:
        page = st.Page(lesson.path, title=lesson.title, icon=lesson.icon, url_path=lesson.url_path)
    else:  # the default page lives at /
        page = st.Page(lesson.path, title=lesson.title, icon=lesson.icon, default=True)
    sections.setdefault(lesson.section, []).append(page)
navigation = st.navigation(sections)

shared_sidebar()
st.session_state[ROUTER_FLAG] = True
try:
    navigation.run()
finally:
    st.session_state[ROUTER_FLAG] = False
