"""Dropout Lab's NumPy core: dropout forward/backward, gradient checks and the maths behind each lesson.

Nothing in this package imports streamlit or plotly; every function takes plain arrays and a
`numpy.random.Generator` (or a seed) and returns arrays.
"""
