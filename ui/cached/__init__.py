"""st.cache_data wrappers around core/: plain-value arguments in, arrays out, one module per topic."""
