"""Home: what dropout is, in three sentences, and a map of the lessons."""

import streamlit as st

from core.conventions import format_probability
from ui.lessons import LESSONS
from ui.state import lesson_settings

settings = lesson_settings()

st.title("Dropout Lab")
st.markdown(
    """
**Dropout** switches off each unit of a layer at random during training: every forward pass
draws a fresh mask that keeps a unit with probability `keep_prob` and zeroes it otherwise.
Because no unit can count on any particular other unit being there, the network learns
redundant, more robust features, and it overfits less.
At test time every unit is used, and a scale factor (`1 / keep_prob` during training in
*inverted* dropout, or `keep_prob` at test time in the original *standard* form) keeps the
expected activation the same in both phases.
"""
)
st.info(
    f"Move **keep_prob** in the sidebar (now {settings.keep_prob:.2f}: each unit is kept with "
    f"probability {settings.keep_prob:.2f} and dropped with probability {1 - settings.keep_prob:.2f}). "
    "Every lesson follows it, and the address bar keeps it, so a link reproduces what you see.",
    icon=":material/tune:",
)

st.subheader("The lessons")
if not LESSONS:
    st.write("The lessons are being written.")
for lesson in LESSONS:
    st.page_link(lesson.path, label=f"**{lesson.title}**: {lesson.summary}", icon=lesson.icon)

keep, drop = format_probability(settings.keep_prob), format_probability(1 - settings.keep_prob)
st.subheader("Names in the wild")
st.markdown(
    f"""
| where | parameter | means | for keep_prob = {keep} |
|---|---|---|---|
| this app; TensorFlow 1 `tf.nn.dropout(x, keep_prob)` | `keep_prob` | probability of keeping | `keep_prob={keep}` |
| PyTorch `nn.Dropout(p)` | `p` | probability of dropping | `p={drop}` |
| Keras `layers.Dropout(rate)` | `rate` | probability of dropping | `rate={drop}` |
| TensorFlow 2 `tf.keras.layers.Dropout(rate)`, `tf.nn.dropout(x, rate)` | `rate` | probability of dropping | \
`rate={drop}` |
| Srivastava et al. 2014 | `p` | probability of keeping (retaining) | `p={keep}` |

TensorFlow 1.13 and later accept `rate` in `tf.nn.dropout` too and deprecate `keep_prob`; in TensorFlow 2
`tf.nn.dropout` takes only `rate` (`keep_prob` survives in `tf.compat.v1.nn.dropout`). The *Conventions* lesson
translates a number between all of them.
"""
)
