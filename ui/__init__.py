"""The Streamlit side of Dropout Lab: shared state and controls, the lesson registry, figure builders."""
