"""Lesson 3, Train vs test: standard and inverted dropout on the same mask, and the forgot-to-scale bug."""

import functools
from fractions import Fraction

import pandas as pd
import streamlit as st

from core import scaling
from core.scaling import SCHEMES
from ui.cached import train_vs_test as cached
from ui.components import lesson_tools
from ui.figures import train_vs_test as figures
from ui.live import Metric, fallback_notice, live_chart, live_metrics
from ui.state import check_query_param, lesson_settings, parse_choice, view_tabs

SCHEME_KEY = "tvt_scheme"
SCHEME_OPTIONS = list(SCHEMES)
VIEW_KEY = "tvt_view"
VIEWS = ("Worked example", "Standard vs inverted", "Forgot to scale", "Next layer")

settings = lesson_settings()
keep_prob = settings.keep_prob

st.title("Train vs test")
st.markdown(
    """
At **test time** dropout is switched off: every unit is used. But during **training** each unit was
there only a fraction `keep_prob` of the time (on average), so without a correction the next layer
gets used to inputs that are, on average, only `keep_prob` times as large. Some factor has to make
the two phases agree *on average*. There are two places to put it:
"""
)
left, right = st.columns(2)
with left:
    st.markdown("**Standard dropout** (Srivastava et al. 2014): scale at test time")
    st.latex(
        r"\begin{gathered}\text{train: } h = a \odot m \qquad \text{test: } h = \mathrm{keep\_prob}\cdot a"
        r"\\[4pt] \mathbb{E}[a \odot m] = \mathrm{keep\_prob}\cdot a = h_\text{test}\end{gathered}"
    )
with right:
    st.markdown("**Inverted dropout** (PyTorch, Keras/TensorFlow and most frameworks today): scale at train time")
    st.latex(
        r"\begin{gathered}\text{train: } h = \frac{a \odot m}{\mathrm{keep\_prob}} \qquad \text{test: } h = a"
        r"\\[4pt] \mathbb{E}\Big[\frac{a \odot m}{\mathrm{keep\_prob}}\Big] = a = h_\text{test}\end{gathered}"
    )
st.caption(
    r"Each mask entry $m_i$ is 1 with probability keep_prob and 0 otherwise, so $\mathbb{E}[m_i]$ = keep_prob. "
    "In both schemes the expected training activation equals the test-time activation (keep_prob · a in standard "
    "dropout, a in inverted dropout); inverted dropout leaves the test-time network untouched, "
    "which is why PyTorch (`nn.Dropout(p)`, p = 1 − keep_prob) and Keras (`Dropout(rate)`, rate = 1 − keep_prob) "
    "use it."
)

activations, mask, views, y_max = cached.scheme_views(keep_prob, settings.seed)
depends_on = (settings.seed,)  # with keep_prob, all that the live charts read (and the scheme, for the next layer)


def scheme_bars_at(q: float, *, scheme: str, title: str):
    """The bars of one scheme on the page's input and mask, at keep_prob q."""
    activations_q, mask_q, views_q, y_max_q = cached.scheme_views(q, settings.seed)
    view_q = views_q[scheme]
    return figures.scheme_bars(activations_q, mask_q, view_q.train_output, view_q.expected_train, view_q.test_output,
                               scheme=scheme, title=title, y_max=y_max_q)


n_kept, n_units = int(mask.sum()), mask.size

if keep_prob == 0.0:
    st.warning(
        "**keep_prob = 0: every unit is dropped in training.** The training output is all zeros whatever the "
        "scaling (and 1 / keep_prob is undefined, so inverted dropout has nothing to scale: the core uses 0). "
        "No scheme can make training agree with a test time that uses the units: standard dropout's test "
        "output is 0 too (keep_prob · a), inverted dropout's is a. The layer is effectively removed.",
        icon=":material/block:",
    )
elif keep_prob == 1.0:
    st.info(
        "**keep_prob = 1: nothing is dropped.** The mask is all ones, both scale factors are 1, and train, "
        "expected train and test outputs are all equal to a. Dropout is switched off.",
        icon=":material/check_circle:",
    )

worked = cached.worked_example()
table = pd.DataFrame(worked["columns"]).set_index("unit").T  # one row per quantity, one column per unit
table.columns = [f"unit {unit}" for unit in table.columns]
fallback_notice()
worked_tab, schemes_tab, forgot_tab, next_layer_tab = view_tabs(VIEWS, key=VIEW_KEY)
with worked_tab:
    if worked_tab.open:
        q = worked["keep_prob"]
        q_text, scale_text = str(Fraction(q).limit_denominator(12)), str(Fraction(1 / q).limit_denominator(12))
        drop_text = str(Fraction(1 - q).limit_denominator(12))
        worked_columns = worked["columns"]
        units, worked_a = worked_columns["unit"], worked_columns["a"]
        n_worked, kept_units = len(units), [int(u) for u in units[worked_columns["mask"] == 1]]
        values = ", ".join(f"{v:g}" for v in worked_a[:-1]) + f" and {worked_a[-1]:g}"
        st.subheader(f"The worked example: keep_prob = {q_text}, {n_worked} units")
        st.markdown(
            f"Set keep_prob = {q_text} ({q:.3f}): each unit is kept with probability {q_text}, independently of the "
            f"others. Take {n_worked} hidden units with activations {values}; this mask happens to keep "
            f"{len(kept_units)} of the {n_worked} (unit{'s' if len(kept_units) != 1 else ''} "
            f"{' and '.join(str(u) for u in kept_units)}); another draw could keep fewer or more. Standard dropout "
            f"leaves the kept values alone in training and multiplies everything by {q_text} at test time; inverted "
            f"dropout multiplies the kept values by {scale_text} in training and does nothing at test time. Averaged "
            f"over all {worked['n_masks']} possible masks, each weighted by its probability (a mask that keeps k units "
            f"has probability ({q_text})^k ({drop_text})^({n_worked} − k)), each unit is kept with probability "
            f"{q_text}, so the expected training output equals the test output exactly, unit by unit."
        )
        st.dataframe(table.style.format("{:.3f}").format("{:.0f}", subset=pd.IndexSlice[["mask"], :]), width="stretch",
                     key="tvt_worked_table")
        st.caption(f"This example is fixed (keep_prob {q_text}), whatever the sidebar says; the next views use "
                   "the sidebar's keep_prob.")
with schemes_tab:
    if schemes_tab.open:
        st.subheader(f"The same input and the same mask ({n_kept} of {n_units} units kept)")
        if n_kept == 0 and keep_prob > 0:
            st.caption(f"This mask happens to keep none of the {n_units} units (a draw does that with probability "
                       f"(1 − keep_prob)^{n_units} = {(1 - keep_prob) ** n_units:.2g}), so the solid train bars are "
                       "all zero. Try another seed to see a "
                       "mask that keeps some units; the expectations and test outputs do not depend on the mask.")
        columns = st.columns(2)
        for column, scheme, title in ((columns[0], "standard", "Standard dropout"),
                                      (columns[1], "inverted", "Inverted dropout")):
            view = views[scheme]
            with column:
                live_chart(f"tvt_bars_{scheme}", functools.partial(scheme_bars_at, scheme=scheme, title=title),
                           keep_prob, depends_on=depends_on)
                train_factor = "kept units × 1 (no scaling)" if scheme == "standard" else (
                    f"kept units × 1/keep_prob = {view.train_scale:.3g}" if keep_prob > 0 else "nothing kept to scale")
                test_factor = (f"every unit × keep_prob = {view.test_scale:.3g}" if scheme == "standard"
                               else "nothing (× 1)")
                train_total, expected_total, test_total = view.totals
                st.caption(
                    f"Train: {train_factor}. Test: {test_factor}. Sum over units: this mask's train output "
                    f"{train_total:.3f}, expected train output {expected_total:.3f}, test output {test_total:.3f}."
                )
        if 0 < keep_prob < 1:
            single_mask = ("The solid bar is this one mask's training output, and it does not match the test output: "
                           "a kept unit's bar is above its diamond (standard: a against keep_prob · a; inverted: "
                           "a / keep_prob against a) and a dropped unit's bar is 0, below it. Only the average over "
                           "masks matches. ")
        elif keep_prob == 1:
            single_mask = "At keep_prob 1 every mask keeps every unit, so the solid bars match too. "
        else:
            single_mask = ""
        if keep_prob > 0:
            st.caption(
                "The hatched bar (expected over all masks) and the black diamond (test) coincide for every unit, in "
                f"both schemes: that is the point of the scaling. {single_mask}The two schemes differ by the constant "
                "factor keep_prob, at train and at test time alike, so the next layer's weights simply learn a "
                "different scale."
            )
        else:
            st.caption("At keep_prob 0 every training output is 0. Standard dropout's test output is 0 too (× "
                       "keep_prob), so its hatched bars (0) and diamonds agree; inverted dropout's test output is a, "
                       "which training never delivered.")
with forgot_tab:
    if forgot_tab.open:
        st.subheader("What if you forget to scale?")
        st.markdown(
            r"""
The bug: train with `a * mask` (no division) and test with `a` (no multiplication), standard
dropout's training with inverted dropout's test time. Now $\mathbb{E}[h_\text{train}] =
\mathrm{keep\_prob}\cdot a$ but $h_\text{test} = a$: at test time every unit delivers
1 / keep_prob times what the next layer saw, on average, during training.
"""
        )
        forgot = views["forgot to scale"]
        curve = cached.mismatch()
        columns = st.columns(2)
        with columns[0]:
            live_chart("tvt_bars_forgot", functools.partial(scheme_bars_at, scheme="forgot to scale",
                                                            title="Forgot to scale: same input, same mask"),
                       keep_prob, depends_on=depends_on)
        with columns[1]:
            live_chart("tvt_mismatch", lambda q: figures.mismatch_figure(curve["keep_prob"], curve["expected_train"],
                                                                          curve["test"], q),
                       keep_prob, depends_on=depends_on)
        if keep_prob == 1.0:
            mismatch_text = "At keep_prob 1 the bug is invisible: nothing is dropped, so there is nothing to scale."
        elif keep_prob == 0.0:
            mismatch_text = ("At keep_prob 0 the training output is always 0, while the test output is a: the "
                             "next layer never saw this layer's values in training at all.")
        else:
            gap, ratio = cached.mismatch_at(keep_prob)
            mismatch_text = (f"At keep_prob {keep_prob:.2f} the test output is 1 / keep_prob = {ratio:.2f} times the "
                             f"average training output: a gap of {gap:.0%} of a, which grows as keep_prob falls.")
        st.caption(mismatch_text)
with next_layer_tab:
    if next_layer_tab.open:
        st.markdown("**What the next layer receives.** A batch of hidden activations (16 ReLU units, "
                    f"{cached.N_EXAMPLES} examples, one fresh mask per example) goes through dropout and a next layer "
                    r"$z = hW + b$; compare the mean pre-activation $z$ at train and at test time.")
        check_query_param(SCHEME_KEY, parse_choice(SCHEME_OPTIONS), "one of " + ", ".join(SCHEME_OPTIONS))
        scheme = st.radio("scheme", SCHEME_OPTIONS, index=SCHEME_OPTIONS.index("forgot to scale"), horizontal=True,
                          key=SCHEME_KEY, bind="query-params",
                          help="Standard and inverted agree between train and test (inverted only for keep_prob "
                               "above 0); the forgotten scaling does not.")
        shift = cached.next_layer(scheme, keep_prob, settings.seed)
        columns = st.columns([3, 2])
        with columns[0]:
            def next_layer_at(q: float):
                at_q = cached.next_layer(scheme, q, settings.seed)
                return figures.next_layer_figure(at_q.train_mean, at_q.train_std_error, at_q.expected_train,
                                                 at_q.test_mean, scheme=scheme)

            live_chart("tvt_next_layer", next_layer_at, keep_prob, depends_on=(*depends_on, scheme))
        with columns[1]:
            train_avg, test_avg = shift.overall_train, shift.overall_test

            def next_layer_numbers(q: float) -> list[Metric]:
                at_q = cached.next_layer(scheme, q, settings.seed)
                return [Metric("mean z at train time", f"{at_q.overall_train:.3f}"),
                        Metric("mean z at test time", f"{at_q.overall_test:.3f}",
                               delta=f"{at_q.overall_test - at_q.overall_train:+.3f} vs train",
                               delta_color="inverse" if abs(at_q.overall_test - at_q.overall_train) > 1e-9 and (
                                   scheme == "forgot to scale" or q == 0) else "off")]

            live_metrics("tvt_next_layer_metrics", next_layer_numbers, keep_prob, depends_on=(*depends_on, scheme),
                         per_row=1)
            if scheme == "forgot to scale" and 0 < keep_prob < 1:
                st.error(f"The next layer's pre-activation z jumps by {test_avg - train_avg:+.2f} on average at "
                         f"test time ({train_avg:.2f} → {test_avg:.2f}), because its inputs h arrive "
                         f"1 / keep_prob = {1 / keep_prob:.3g} times larger than their training average: its weights "
                         "and biases were fitted to smaller inputs, so its ReLUs fire differently and the predictions "
                         "shift. The network is evaluated on a distribution it never trained on.",
                         icon=":material/error:")
            elif scheme != "standard" and keep_prob == 0.0:
                st.error("In training the next layer only ever saw its bias b (every input dropped); at test time the "
                         "whole layer arrives at once.", icon=":material/error:")
            elif keep_prob in (0.0, 1.0):
                st.caption(f"Train and test agree exactly: at keep_prob {keep_prob:.0f} the mask is not random, so "
                           "there is no Monte-Carlo noise (the whiskers have zero length)."
                           + (" Standard dropout passes nothing in either phase: the next layer only sees its bias b."
                              if keep_prob == 0 else ""))
            else:
                st.caption("Train and test agree up to Monte-Carlo noise: for "
                           f"{shift.units_within_noise} of {shift.test_mean.size} next-layer units the test bar lies "
                           "within the whiskers (±2 standard errors of the train mean; about 95% of units would, by "
                           "chance alone). The exact expectation (purple line) sits at the height of the test bar.")
if 0 < keep_prob < 1:
    forget_notice = (f"Forget it, and at test time the next layer receives 1 / keep_prob = {1 / keep_prob:.3g} times "
                     "as much as it got, on average, in training.")
elif keep_prob == 1:
    forget_notice = "At keep_prob 1 there is nothing to forget: lower keep_prob to see the factor matter."
else:
    forget_notice = ("At keep_prob 0 training passes nothing on: standard dropout agrees only because its test "
                     "output is 0 too, and inverted dropout cannot agree at all. Raise keep_prob.")
st.success(
    "**What to notice:** both schemes put one factor of keep_prob somewhere, so that the expected training "
    "activation equals the test activation, unit by unit; standard dropout puts it at test time, inverted "
    f"dropout at train time. {forget_notice}",
    icon=":material/lightbulb:",
)

lesson_tools(
    "train_vs_test", keys=(SCHEME_KEY, VIEW_KEY), tables={"worked example": table},
    code=(scaling.scale_factors, scaling.compare_schemes, scaling.next_layer_shift),
)
