"""Practice, Conventions: keep_prob translated into every framework's and text's own parameter."""

import pandas as pd
import streamlit as st

from core.conventions import CONVENTIONS, KEEP, Convention, format_probability, keep_prob_from
from ui.cached import practice as cached
from ui.components import export_csv, share_link, show_code
from ui.figures.practice import conventions_figure
from ui.live import fallback_notice, live_chart
from ui.state import lesson_settings

FROM_KEY = "conventions_from"
VALUE_KEY = "conventions_value"

settings = lesson_settings()
keep_prob = settings.keep_prob

st.title("Conventions")
st.markdown(
    """
The same dropout is written with two opposite numbers. This app, TensorFlow 1's `tf.nn.dropout`,
the original paper and cs231n's current notes give the probability of **keeping** a unit; PyTorch,
Keras and TensorFlow 2 give the probability of **dropping** it. At keep_prob 0.5 the two coincide, which is
exactly why the mix-up survives until someone writes 0.8 where 0.2 was meant.
"""
)
st.latex(r"\text{drop probability } (p_{\text{PyTorch}},\ \mathrm{rate}_{\text{Keras}}) = 1 - \mathrm{keep\_prob}")

rows = cached.conventions_table(keep_prob)
st.subheader(f"keep_prob {format_probability(keep_prob)}, everywhere")
table = pd.DataFrame(rows).set_index("where")
st.table(table)
export_csv(f"conventions keep_prob {format_probability(keep_prob)}", table, key="conventions_csv",
           label="Download this table (CSV)")
st.caption("The one-line calls, ready to copy (the copy icon at the right of the box):")
st.code("\n".join(c.labelled_call(keep_prob) for c in CONVENTIONS), language="python", wrap_lines=True)



def chart_at(q: float):
    """The bars for keep_prob q, from q's own table (the chart follows the slider while it is dragged)."""
    rows_q = cached.conventions_table(q)
    return conventions_figure([row["where"] for row in rows_q], [float(row["value"]) for row in rows_q],
                              [c.meaning == KEEP for c in CONVENTIONS], q)


fallback_notice()
live_chart("conventions_chart", chart_at, keep_prob)
st.info(
    "**cs231n's `p` changed meaning.** The current notes and assignment use `p` as the probability of keeping a "
    "unit (`mask = (rand < p) / p`), but an older year of the assignment used `p` as the probability of "
    "dropping it. When you compare with a cs231n solution, check the year's notes first.",
    icon=":material/history_edu:",
)

st.subheader("Translate a number you found")
st.markdown("Pick where the number comes from and type it: the keep_prob it means, and the same dropout "
            "everywhere else.")
names = [c.name for c in CONVENTIONS]
labels = {c.name: f"{c.where}: {c.parameter}" for c in CONVENTIONS}
source_column, value_column = st.columns([2, 1])
with source_column:
    source_name = st.radio("The number is", names, index=1, format_func=labels.__getitem__, key=FROM_KEY)
with value_column:
    value = st.number_input("its value", min_value=0.0, max_value=1.0, value=0.2, step=0.05, format="%.2f",
                            key=VALUE_KEY, help="A probability from 0 to 1, as written in the code or the text.")
source = next(c for c in CONVENTIONS if c.name == source_name)
translated = keep_prob_from(source, value)
meaning = "keeps" if source.meaning == KEEP else "drops"
st.markdown(
    f"`{source.parameter} = {format_probability(value)}` in {source.where} {meaning} a unit with probability "
    f"{format_probability(value)}, so it means **keep_prob = {format_probability(translated)}**: "
    f"each unit is kept with probability {format_probability(translated)} and dropped with probability "
    f"{format_probability(1 - translated)}."
)
st.code("\n".join(c.labelled_call(translated) for c in CONVENTIONS if c.name != source.name), language="python",
        wrap_lines=True)

drop_example = CONVENTIONS[1].call(keep_prob)
if keep_prob == 0.5:
    split = ("at keep_prob 0.5 every bar has the same length, because 1 − 0.5 = 0.5: that is how a keep/drop "
             "mix-up hides. Move keep_prob to see the bars split into keep_prob and 1 − keep_prob.")
else:
    split = (f"the bars split into two groups, keep_prob ({format_probability(keep_prob)}) and 1 − keep_prob "
             f"({format_probability(1 - keep_prob)}).")
st.success(
    f"**What to notice:** {split} Your keep_prob {format_probability(keep_prob)} is `{drop_example}` in PyTorch: "
    "whenever a framework is named, ask whether its number keeps or drops.",
    icon=":material/lightbulb:",
)

show_code(Convention, keep_prob_from)
share_link("conventions")
