"""Lesson 2, Expected activations: one unit's output over many masks, its mean and its variance."""

import streamlit as st

from core import lessons_masks
from core.dropout import expected_output, output_variance
from core.lessons_masks import MAX_SAMPLES
from core.snippets import unit_samples_snippet
from ui.cached import masks as cached
from ui.components import lesson_tools
from ui.figures import expected as figures
from ui.live import Metric, fallback_notice, live_chart, live_metrics
from ui.state import check_query_param, lesson_settings, parse_choice, parse_float, parse_int, view_tabs

X_KEY = "expected_x"
VARIANT_KEY = "expected_variant"
SAMPLES_KEY = "expected_samples"
VIEW_KEY = "expected_view"
VIEWS = ("Distribution", "Running mean", "Variance", "Layer")
X_RANGE = (-2.0, 3.0)
VARIANTS = ("inverted", "standard")
VARIANT_CAPTIONS = ("× 1/keep_prob in training", "× keep_prob at test time")
SAMPLE_COUNTS = (100, 200, 500, 1_000, 2_000, 5_000, 10_000, MAX_SAMPLES)

settings = lesson_settings()
keep_prob = settings.keep_prob

st.title("Expected activations")
st.markdown(
    """
One mask is random, so one training output is random too: a unit with activation `x` comes out
either as 0 (dropped, probability 1 − keep_prob) or as its kept value (kept, probability keep_prob):
`x / keep_prob` in inverted dropout, `x` itself in standard dropout. What dropout keeps fixed is the
**average over masks**. Writing q for keep_prob:
"""
)
formulas = st.columns(2)
with formulas[0]:
    st.markdown("**Inverted dropout** (PyTorch, Keras): scale while training, nothing at test time")
    st.latex(r"\begin{aligned}"
             r"\text{train: } \mathrm{out} &= x\,\frac{m}{q}, \quad m \sim \mathrm{Bernoulli}(q) \\"
             r"\mathbb{E}[\mathrm{out}] &= q\cdot\frac{x}{q} + (1-q)\cdot 0 = x \\"
             r"\mathrm{Var}[\mathrm{out}] &= \Big(\frac{x}{q}\Big)^{2} q\,(1-q) = x^{2}\,\frac{1-q}{q} \\"
             r"\text{test: } \mathrm{out} &= x"
             r"\end{aligned}")
with formulas[1]:
    st.markdown("**Standard dropout** (Srivastava et al. 2014): no scaling while training, × q at test time")
    st.latex(r"\begin{aligned}"
             r"\text{train: } \mathrm{out} &= x\,m, \quad m \sim \mathrm{Bernoulli}(q) \\"
             r"\mathbb{E}[\mathrm{out}] &= q\cdot x + (1-q)\cdot 0 = q\,x \\"
             r"\mathrm{Var}[\mathrm{out}] &= x^{2}\,q\,(1-q) \\"
             r"\text{test: } \mathrm{out} &= q\,x"
             r"\end{aligned}")
st.caption(
    f"keep_prob = q = {keep_prob:.2f} is PyTorch `nn.Dropout(p={1 - keep_prob:.2f})` and Keras "
    f"`Dropout(rate={1 - keep_prob:.2f})` (they name the drop probability, 1 − q); the original paper's p is q."
)

check_query_param(X_KEY, lambda raw: parse_float(raw, *X_RANGE), f"a number from {X_RANGE[0]:g} to {X_RANGE[1]:g}")
check_query_param(VARIANT_KEY, parse_choice(VARIANTS), "inverted or standard")
check_query_param(SAMPLES_KEY, lambda raw: raw if parse_int(raw, 1, MAX_SAMPLES) in SAMPLE_COUNTS else None,
                  "one of " + ", ".join(str(n) for n in SAMPLE_COUNTS))
controls = st.columns([1.2, 1.2, 1.6])
with controls[0]:
    x = st.slider("activation x of the unit", min_value=X_RANGE[0], max_value=X_RANGE[1], value=1.5, step=0.1,
                  key=X_KEY, bind="query-params",
                  help="The unit's activation before dropout (after its nonlinearity).")
with controls[1]:
    variant = st.radio("variant", VARIANTS, captions=VARIANT_CAPTIONS, key=VARIANT_KEY, bind="query-params",
                       horizontal=True)
with controls[2]:
    n_samples = st.select_slider("masks drawn (Monte-Carlo samples)", options=SAMPLE_COUNTS, value=2_000,
                                 key=SAMPLES_KEY, bind="query-params",
                                 help="How many independent masks the averages below are taken over.")
inverted = variant == "inverted"
x = round(float(x), 6)  # a slider step is 0.1: keep the cache key and the labels clean

experiment, outcomes, running = cached.unit_view(x, keep_prob, int(n_samples), settings.seed, inverted)

if keep_prob == 0.0:
    st.warning(
        "**keep_prob = 0: every mask drops the unit**, so every training output is 0, its mean is 0 and its "
        "variance is 0. With inverted dropout the kept value x / keep_prob would need a division by zero: it is "
        "undefined, but no unit is ever kept, so nothing is divided. The layer carries no signal at all; "
        + ("at test time inverted dropout would still pass x on, a mismatch no training could prepare for."
           if inverted else "at test time standard dropout multiplies by keep_prob = 0 as well, so it stays 0."),
        icon=":material/block:",
    )
elif keep_prob == 1.0:
    st.info(
        "**keep_prob = 1: no randomness.** Every mask keeps the unit, so every training output equals x, "
        "the mean is x after one mask, the variance is 0, and both variants reduce to doing nothing.",
        icon=":material/check_circle:",
    )

is_random = 0.0 < keep_prob < 1.0 and x != 0.0  # otherwise every mask gives the same output
depends_on = (x, int(n_samples), settings.seed, inverted)  # with keep_prob, all the live views below read


def _versus_formula(estimate: float, formula: float) -> str:
    """'+0.003 vs formula'; a float rounding residue (-1.4e-17) reads as +0."""
    difference = estimate - formula
    if abs(difference) <= 1e-12 * max(1.0, abs(formula)):
        difference = 0.0
    return f"{difference:+.2g} vs formula"


def headline(q: float) -> list[Metric]:
    """The mean (first row) and the spread (second row) at keep_prob q, shown live while the slider moves."""
    at_q = cached.unit_view(x, q, int(n_samples), settings.seed, inverted)[0]
    random_at_q = 0.0 < q < 1.0 and x != 0.0
    return [
        Metric("E[out], formula", f"{at_q.expected:.4g}"),
        Metric(f"mean of {n_samples:,} masks", f"{at_q.mc_mean:.4g}",
               delta=_versus_formula(at_q.mc_mean, at_q.expected) if random_at_q else None),
        Metric("test-time output", f"{at_q.test_output:.4g}",
               help="What the unit outputs at test time, when every unit is used."),
        Metric("kept value", f"{at_q.kept_value:.4g}" if q > 0 else "none",
               help="What the unit outputs when the mask keeps it: x / keep_prob (inverted) or x (standard)."),
        Metric("Var[out], formula", f"{at_q.variance:.4g}"),
        Metric("sample variance", f"{at_q.mc_variance:.4g}",
               delta=_versus_formula(at_q.mc_variance, at_q.variance) if random_at_q else None,
               help="The unbiased sample variance of the outputs (divided by n − 1)."),
    ]


live_metrics("expected_metrics", headline, keep_prob, depends_on=depends_on, per_row=3)
fallback_notice()
if is_random:
    st.caption(
        f"A Monte-Carlo estimate lands within ±2 standard errors of the formula about 95% of the time: here ±"
        f"{2 * experiment.mc_mean_standard_error:.2g} for the mean (2 √(Var / {n_samples:,})) and ±"
        f"{2 * experiment.mc_variance_standard_error:.2g} for the variance. More masks, smaller errors."
    )
else:
    st.caption("No randomness here: every mask gives the same output, so the Monte-Carlo mean and variance "
               "equal the formulas exactly.")

distribution_tab, running_tab, variance_tab, layer_tab = view_tabs(VIEWS, key=VIEW_KEY)
with distribution_tab:
    if distribution_tab.open:
        def outcomes_at(q: float):
            at_q, outcomes_q, _ = cached.unit_view(x, q, int(n_samples), settings.seed, inverted)
            return figures.outcome_figure([o.value for o in outcomes_q], [o.label for o in outcomes_q],
                                          [o.probability for o in outcomes_q], [o.observed for o in outcomes_q],
                                          at_q.expected, int(n_samples), inverted)

        live_chart("expected_outcomes", outcomes_at, keep_prob, depends_on=depends_on)
        if len(outcomes) > 1:
            st.caption("Only two values ever come out. The mean (dashed) is their balance point, weighted by "
                       "keep_prob and 1 − keep_prob: no single training output equals it.")
        else:
            st.caption(f"Here a single value comes out, {outcomes[0].value:.3g}, every time: it is also the mean.")
with running_tab:
    if running_tab.open:
        def running_at(q: float):
            at_q, _, running_q = cached.unit_view(x, q, int(n_samples), settings.seed, inverted)
            return figures.running_mean_figure(running_q.counts, running_q.means, *running_q.band, at_q.expected,
                                               at_q.test_output, x, inverted)

        live_chart("expected_running_mean", running_at, keep_prob, depends_on=depends_on)
        st.caption("The average of the first k outputs wanders at first and settles on E[out]; the shaded band, "
                   "E[out] ± 2 √(Var / k), narrows like 1/√k." if is_random else
                   "Every output is the same, so the running mean is flat from the first mask on.")
with variance_tab:
    if variance_tab.open:
        curve_q, curve, grid, points, errors = cached.variance_view(x, int(n_samples), settings.seed, inverted)

        def variance_at(q: float):
            at_q = cached.unit_view(x, q, int(n_samples), settings.seed, inverted)[0]
            return figures.variance_figure(curve_q, curve, grid, points, errors, q, at_q.variance,
                                           at_q.mc_variance, x, int(n_samples), inverted)

        live_chart("expected_variance", variance_at, keep_prob, depends_on=depends_on)
        st.caption("What the randomness costs, as keep_prob moves. Each point is the sample variance of its own "
                   "masks; its bar is ± 2 standard errors of that estimate. The star is the experiment above." +
                   (" At x = 0 every output is 0 whatever the mask: the variance is 0 at every keep_prob." if x == 0
                    else " The smaller keep_prob, the larger the kept value's size |x| / keep_prob and the noisier "
                         "the layer: the variance grows without bound as keep_prob → 0."
                    if inverted else " Standard dropout's variance is largest at keep_prob 0.5."))
with layer_tab:
    if layer_tab.open:
        def layer_at(q: float):
            layer = cached.layer_view(q, int(n_samples), settings.seed, inverted)
            return figures.layer_means_figure(layer.activations, layer.mc_mean, layer.mc_standard_error,
                                              layer.test_output, int(n_samples), inverted)

        live_chart("expected_layer", layer_at, keep_prob, depends_on=depends_on)
        layer = cached.layer_view(keep_prob, int(n_samples), settings.seed, inverted)
        n_layer_units = layer.activations.size
        if keep_prob == 0 and inverted:
            agreement = ("at keep_prob 0 every training output is 0, while inverted dropout's test pass uses a "
                         "unchanged.")
        elif keep_prob in (0.0, 1.0):
            agreement = (f"at keep_prob {keep_prob:.0f} there is no randomness, and every training mean equals its "
                         "unit's test-time output exactly.")
        else:
            agreement = (f"for {layer.units_within_noise} of {n_layer_units} units the training mean lies within ±2 "
                         "standard errors of its test-time output (about 95% would, by chance alone).")
        st.caption(f"The same averaging for every unit of one example of the Masks lesson's layer, {n_samples:,} "
                   f"masks: {agreement}"
                   + ("" if inverted or keep_prob == 1 else
                      " Standard dropout's training mean is keep_prob × a, below the unscaled a wherever a > 0: "
                      "multiplying by keep_prob at test time is what makes the two phases agree."))

if keep_prob == 0.0:
    notice = ("with keep_prob 0 nothing survives training, in either variant: the mean is 0. Standard dropout "
              "at least agrees at test time (× 0); inverted dropout would pass x on at test time. Raise keep_prob "
              "to see the means agree.")
elif keep_prob == 1.0:
    notice = "with keep_prob 1 there is nothing to average: lower keep_prob to see the two spikes and the mean between."
elif inverted:
    price = (f" (here {experiment.variance:.4g}), which explodes as keep_prob falls." if x != 0 else
             ", which explodes as keep_prob falls for any x ≠ 0 (here x = 0, so every output is 0 and the variance "
             "too).")
    notice = ("inverted dropout's training mean equals x, the test-time output, at every keep_prob above 0: "
              "that is why the division by keep_prob is there. The price is variance, "
              f"x²(1 − keep_prob)/keep_prob{price}")
else:
    notice = ("standard dropout's training mean is keep_prob × x, not x. Test time fixes that by multiplying by "
              "keep_prob, so both phases again agree on average. Switch to inverted: same agreement, with the "
              "scaling moved into training.")
st.success(f"**What to notice:** {notice}", icon=":material/lightbulb:")

lesson_tools(
    "expected", keys=(X_KEY, VARIANT_KEY, SAMPLES_KEY, VIEW_KEY),
    tables={"samples of the unit": experiment.samples}, table_axes=("mask", "output"),
    snippet=lambda: unit_samples_snippet(x, keep_prob, int(n_samples), settings.seed, inverted=inverted,
                                         self_contained=True),
    code=(lessons_masks.unit_samples, expected_output, output_variance),
)
