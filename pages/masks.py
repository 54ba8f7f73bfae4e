"""Lesson 1, Masks: what one forward pass of (inverted) dropout does to a batch of activations."""

import streamlit as st

from core import lessons_masks
from core.dropout import bernoulli_mask, dropout_forward
from core.lessons_masks import MAX_ITERATION
from core.snippets import masks_snippet
from ui.cached import masks as cached
from ui.components import lesson_tools
from ui.figures import masks as figures
from ui.live import Metric, fallback_notice, live_chart, live_metrics
from ui.state import bound_int_input, lesson_settings, parse_int, view_tabs

ITERATION_KEY = "masks_iteration"
VIEW_KEY = "masks_view"

settings = lesson_settings()
keep_prob = settings.keep_prob

st.title("Masks")
st.markdown(
    """
During training, dropout multiplies a layer's activations `a` by a random **mask** `m` of the
same shape: each entry is 1 (keep the unit) with probability `keep_prob` and 0 (drop it)
otherwise, independently. *Inverted* dropout, the form PyTorch, Keras/TensorFlow and most frameworks
use today, then divides by `keep_prob`, so a kept activation becomes `a / keep_prob` and a dropped one
becomes 0. (The original paper's *standard* dropout skips that division during training and instead
multiplies every activation by `keep_prob` at test time; *Train vs test* puts the two side by side.)
"""
)
st.latex(
    r"m_{ij} \sim \mathrm{Bernoulli}(\mathrm{keep\_prob}), \qquad"
    r"\mathrm{out} = \frac{a \odot m}{\mathrm{keep\_prob}} = a \odot \frac{m}{\mathrm{keep\_prob}}"
)
st.caption(
    f"keep_prob = {keep_prob:.2f} here is PyTorch `nn.Dropout(p={1 - keep_prob:.2f})` and Keras "
    f"`Dropout(rate={1 - keep_prob:.2f})`: both name the probability of *dropping* (1 − keep_prob), and both "
    "scale kept units by 1 / keep_prob during training, exactly as below."
)


def _advance(passes: int) -> None:
    """A button's callback: move on by `passes` forward passes (runs before the page reruns)."""
    st.session_state[ITERATION_KEY] = float(min(round(st.session_state.get(ITERATION_KEY, 1)) + passes, MAX_ITERATION))


def _parse_iteration(raw: str) -> int | None:
    return parse_int(raw, 1, MAX_ITERATION)


# Not check_query_param: Streamlit reads a link's "2.5" as pass 2 (not the default), so the warning is
# written after the widget, naming the pass actually shown, into a slot above the controls.
link_iteration = st.query_params.get_all(ITERATION_KEY)[:1]
link_warning = st.empty()
controls = st.columns([1.2, 1.0, 1.4, 3], vertical_alignment="bottom")
with controls[2]:
    iteration = bound_int_input(
        "forward pass (iteration)", 1, MAX_ITERATION, None, key=ITERATION_KEY, check=False,
        help="Each forward pass draws a new mask. The mask is fixed by the seed and this number, so a link "
             "reproduces it.",
    )
if link_iteration and _parse_iteration(link_iteration[0]) is None:
    shown = link_iteration[0] if len(link_iteration[0]) <= 40 else link_iteration[0][:40] + "…"
    link_warning.warning(
        f"The link's `{ITERATION_KEY}={shown}` is not valid (a whole number from 1 to {MAX_ITERATION}), "
        f"so forward pass {int(iteration)} is shown instead.",
        icon=":material/link_off:",
    )
with controls[0]:
    st.button("Next iteration", key="masks_next", icon=":material/casino:", on_click=_advance, args=(1,),
              disabled=iteration >= MAX_ITERATION, help="Run one more forward pass: a fresh mask is drawn.",
              width="stretch")
with controls[1]:
    st.button("+10", key="masks_next_10", icon=":material/fast_forward:", on_click=_advance, args=(10,),
              disabled=iteration >= MAX_ITERATION, help="Run ten more forward passes (ten fresh masks).",
              width="stretch")
with controls[3]:
    st.caption("Every forward pass (every training iteration) draws a **new** mask: press *Next iteration* and "
               "watch the grey cells move. Same seed and iteration, same mask. Within one pass the same random "
               "numbers decide the mask at every keep_prob, so dragging keep_prob down drops units one at a time "
               "and never brings one back.")

view = cached.masks_view(keep_prob, settings.seed, int(iteration))
layer = cached.layer()
n_entries = view.mask.size
# One colour scale for the activations and the output, the same at every keep_prob: its top is what the
# largest activation becomes at keep_prob 0.5, so outputs visibly brighten as keep_prob falls (larger ones
# take the top colour; their numbers are written on them). The activations grid then never changes with
# keep_prob, and the browser does not redraw it.
shared_top = 2.0 * lessons_masks.largest_value(layer.activations)

if keep_prob == 0.0:
    st.warning(
        "**keep_prob = 0: every unit is dropped.** The mask is all zeros, so the output is all zeros whatever "
        "the activations: the layer passes nothing on and the network cannot learn through it. "
        "1 / keep_prob is undefined here (a division by zero); since nothing is kept there is nothing to "
        "scale, and the core returns 0 rather than dividing.",
        icon=":material/block:",
    )
elif keep_prob == 1.0:
    st.info(
        "**keep_prob = 1: nothing is dropped.** The mask is all ones, 1 / keep_prob = 1, and the output equals "
        "the activations: dropout is switched off, exactly as at test time. Pressing *Next iteration* changes nothing.",
        icon=":material/check_circle:",
    )

seed, forward_pass = settings.seed, int(iteration)
depends_on = (seed, forward_pass)  # with keep_prob, all that the live charts below are computed from


def headline(q: float) -> list[Metric]:
    """The numbers above the views at keep_prob q (shown live while the slider moves)."""
    at_q = cached.masks_view(q, seed, forward_pass)
    return [
        Metric("kept by this mask", f"{at_q.n_kept} of {n_entries}"),
        Metric("fraction kept", f"{at_q.kept_fraction:.3f}",
               help="The observed fraction of ones in this mask; keep_prob is what it is drawn with."),
        Metric("keep_prob (expected fraction)", f"{q:.2f}"),
        Metric("scale 1 / keep_prob", f"{1 / q:.3g}" if q > 0 else "undefined",
               help="What a kept activation is multiplied by during training (inverted dropout)."),
    ]


live_metrics("masks_metrics", headline, keep_prob, depends_on=depends_on)
fallback_notice()

VIEWS = ("Grids", "Network", "Fraction kept")
grids_tab, network_tab, fraction_tab = view_tabs(VIEWS, key=VIEW_KEY)
with grids_tab:
    if grids_tab.open:
        top = st.columns(2)
        with top[0]:
            live_chart("masks_activations", lambda q: figures.activations_figure(layer.activations, zmax=shared_top),
                       keep_prob, depends_on=depends_on)
        with top[1]:
            live_chart("masks_mask", lambda q: figures.mask_figure(cached.masks_view(q, seed, forward_pass).mask,
                                                                   forward_pass),
                       keep_prob, depends_on=depends_on)
        bottom = st.columns(2)
        with bottom[0]:
            live_chart("masks_scaled_mask",
                       lambda q: figures.scaled_mask_figure(cached.masks_view(q, seed, forward_pass).scaled_mask, q),
                       keep_prob, depends_on=depends_on)
        with bottom[1]:
            live_chart("masks_output", lambda q: figures.output_figure(cached.masks_view(q, seed, forward_pass).output,
                                                                       q, zmax=shared_top),
                       keep_prob, depends_on=depends_on)
        st.caption(
            "Read the four grids as one multiplication: activations × scaled mask = output, entry by entry. "
            f"Activations and output share one colour scale, the same at every keep_prob (top {shared_top:.2g}: the "
            "largest activation scaled by 1/0.5), so the output brightens as keep_prob falls. "
            "A cell that is 0 in the activations (the ReLU was already off) stays 0 whether it is kept or not."
        )
with network_tab:
    if network_tab.open:
        def network_at(q: float):
            at_q = cached.masks_view(q, seed, forward_pass)
            inputs, incoming, outgoing, next_input = cached.network_signals(q, seed, forward_pass)
            return figures.network_figure(inputs, at_q.mask[cached.EXAMPLE], at_q.output[cached.EXAMPLE], incoming,
                                          outgoing, next_input)

        live_chart("masks_network", network_at, keep_prob, depends_on=depends_on)
        st.caption(f"Example {cached.EXAMPLE} is the first row of the grids. A dropped unit (hollow, grey) sends "
                   "exactly 0 to the next layer: its outgoing edges are dotted. So does a kept unit whose ReLU "
                   "output is 0. Hover a unit for its value.")
with fraction_tab:
    if fraction_tab.open:
        history = cached.kept_history(keep_prob, settings.seed, int(iteration))
        def fraction_figure(q: float):
            at_q = cached.kept_history(q, seed, forward_pass)
            return figures.kept_fraction_figure(at_q.iterations, at_q.kept_fraction, at_q.running_fraction,
                                                at_q.band_per_mask, at_q.running_band, q, n_entries)

        live_chart("masks_kept_fraction", fraction_figure, keep_prob, depends_on=depends_on)
        low, high = history.band_per_mask
        if 0.0 < keep_prob < 1.0:
            st.caption(
                f"One mask of {n_entries} entries keeps a fraction that scatters around keep_prob: about 95% of "
                f"masks fall within ±2 standard errors, √(keep_prob (1 − keep_prob) / {n_entries}), here {low:.3f} "
                f"to {high:.3f}. "
                + (f"Over all {int(iteration)} masks so far the fraction is {history.running_fraction[-1]:.3f}, and "
                   "its band narrows as the passes add up (press +10)." if iteration > 1 else
                   "This is the first mask: press +10 to add more passes and watch the fraction over all of them "
                   "settle on keep_prob as its band narrows.")
            )
        else:
            st.caption(f"At keep_prob {keep_prob:.0f} the mask is not random: every pass keeps exactly "
                       f"{keep_prob:.0%} of the units, so there is no scatter and the band has zero width.")

if 0.0 < keep_prob < 1.0:
    notice = (
        "the mask is a fresh coin flip for every entry and every forward pass; it keeps about keep_prob of the "
        f"units, rarely exactly; and the scaling can live in the mask: at keep_prob {keep_prob:.2f} the scaled mask "
        f"holds only 0s and {1 / keep_prob:.3g}s{'' if keep_prob == 0.5 else ' (at 0.5: 0s and 2s)'}, so every kept "
        "activation is multiplied by "
        f"{1 / keep_prob:.3g} and every dropped one is 0."
    )
elif keep_prob == 0.0:
    notice = "with keep_prob 0 the layer outputs only zeros: move keep_prob up to see units survive, scaled up."
else:
    notice = "with keep_prob 1 dropout does nothing: move keep_prob down to see masks drop units at random."
st.success(f"**What to notice:** {notice}", icon=":material/lightbulb:")

lesson_tools(
    "masks", keys=(ITERATION_KEY, VIEW_KEY),
    tables={"activations": layer.activations, "mask": view.mask, "output": view.output}, table_axes=("example", "unit"),
    snippet=lambda: masks_snippet(keep_prob, settings.seed, int(iteration), self_contained=True),
    code=(lessons_masks.masked_layer, dropout_forward, bernoulli_mask),
)
