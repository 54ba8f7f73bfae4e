"""Lesson "Inference": weight scaling against Monte-Carlo averaging over masks, and MC-dropout uncertainty."""

import streamlit as st

from core import mlp
from ui import training_text
from ui.cached import inference as words
from ui.cached import store
from ui.cached import training as cached
from ui.components import lesson_tools
from ui.figures import inference as figures
from ui.live import GRID_SIZE, Metric, fallback_notice, keep_prob_states, live_chart, live_metrics, not_live_notice
from ui.state import DEFAULT_SEED, check_query_param, lesson_settings, parse_choice, parse_int, view_tabs

MAX_K_KEY = "inf_max_k"
REPEATS_KEY = "inf_repeats"
SAMPLES_KEY = "inf_samples"
SHAPE_KEY = "inf_shape"
VIEW_KEY = "inf_view"
VIEWS = ("Weight scaling vs MC", "Why: the ReLU", "Uncertainty")


def _one_of(options):
    return lambda raw: raw if parse_int(raw, min(options), max(options)) in options else None


def mc_metrics(ks, errors, weight_scaling_error) -> list[Metric]:
    """The first view's headline numbers, from the Monte-Carlo curve at one keep_prob."""
    mean_errors = errors.mean(axis=0)
    return [Metric("weight scaling (1 pass)", f"{100 * weight_scaling_error:.2f}%"),
            Metric("MC, k = 1 (one thinned network)", f"{100 * mean_errors[0]:.2f}%"),
            Metric(f"MC, k = {int(ks[-1])}", f"{100 * mean_errors[-1]:.2f}%")]


settings = lesson_settings()
keep_prob = settings.keep_prob
states = keep_prob_states(keep_prob)  # what a live chart is computed at: the slider's 21 values

st.title("Inference")
st.markdown(
    """
A network trained with dropout is really a family of thinned networks, one per mask, that share
their weights. The ideal prediction would average all of them. Two ways to approximate it:

* **Weight scaling**: one pass with every unit on, activations scaled so that each unit's
  output equals its expected value during training (inverted dropout did that scaling while
  training already). Cheap: one pass.
* **Monte-Carlo averaging**: keep dropout on at test time, run k passes with fresh masks and
  average the predicted probabilities. Costs k passes, but the spread between the passes says
  how unsure the network is (*MC dropout*, Gal & Ghahramani 2016).
"""
)
st.latex(r"p_{\text{MC}}(y \mid x) = \frac{1}{k}\sum_{i=1}^{k} \operatorname{softmax}\big(f(x;\, m_i)\big)"
         r"\qquad\text{vs}\qquad p_{\text{WS}}(y \mid x) = \operatorname{softmax}\big(f(x;\, \mathbb{E}[m])\big)")

run = cached.inference_run(keep_prob, settings.seed)
st.caption(
    f"The model: the Training lab's default network (64 → {run.width} → {run.width} → 10, {run.n_train} training "
    f"digits, {run.epochs} epochs) with hidden keep_prob {keep_prob:.2f} from the sidebar "
    f"(PyTorch `nn.Dropout(p={1 - keep_prob:.2f})`), tested on 797 held-out digits."
)
if keep_prob == 0.0:
    st.warning("**keep_prob = 0: every hidden unit is dropped**, in training and in every Monte-Carlo pass, so the "
               "network never learned anything. Both methods are at chance level. Try 0.5.", icon=":material/block:")
elif keep_prob == 1.0:
    st.info("**keep_prob = 1: no unit is ever dropped**, so every sampled network is the full network: the "
            "Monte-Carlo average equals weight scaling exactly for any k, and there is no spread to measure "
            "uncertainty with. Lower keep_prob in the sidebar.", icon=":material/check_circle:")

if not cached.is_trained(run):
    bar = st.progress(0.0, text="Training the model (once; it is remembered)")
    for result in cached.digits_stream(run):
        bar.progress(len(result.history) / run.epochs,
                     text=f"Training the model: epoch {len(result.history)} of {run.epochs}")
    bar.empty()
train_error, test_error = words.final_errors(run)
learned = words.has_learned(train_error)
if 0.0 < keep_prob < 1.0 and not learned:  # at 0 the warning above has said why
    st.warning(words.not_learned_warning(keep_prob, train_error, test_error, run.epochs),
               icon=":material/trending_flat:")

mc_tab, relu_tab, uncertainty_tab = view_tabs(VIEWS, key=VIEW_KEY)
fallback_notice()
with mc_tab:
    if mc_tab.open:
        st.subheader("Weight scaling vs averaging k sampled networks")
        check_query_param(MAX_K_KEY, _one_of(cached.MC_MAX_KS), "one of " + ", ".join(map(str, cached.MC_MAX_KS)))
        check_query_param(REPEATS_KEY, lambda raw: parse_int(raw, 2, cached.MAX_REPEATS),
                          f"a whole number from 2 to {cached.MAX_REPEATS}")
        controls = st.columns(2)
        with controls[0]:
            max_k = st.select_slider("largest k (masks averaged)", options=cached.MC_MAX_KS,
                                     value=cached.DEFAULT_MC_MAX_K,
                                     key=MAX_K_KEY, bind="query-params",
                                     help="The curve is drawn for about a dozen k from 1 up to this.")
        with controls[1]:
            repeats = st.slider("repeats (fresh masks each time)", min_value=2, max_value=cached.MAX_REPEATS,
                                value=cached.DEFAULT_REPEATS, step=1, key=REPEATS_KEY, bind="query-params",
                                help="How often the whole experiment is run with new masks: the band shows the spread.")
        # Live when the curve is stored at every keep_prob of the slider (ui.cached.precompute: the defaults).
        curves = cached.mc_curve_coverage(run, int(max_k), int(repeats), states)
        depends_on = (run.n_train, run.epochs, run.width, run.seed, int(max_k), int(repeats))
        with st.spinner("Running the Monte-Carlo passes"):
            ks, errors, weight_scaling_error = cached.mc_curve(run, int(max_k), int(repeats))
        live_chart("inf_mc_error",
                   lambda q: figures.mc_error_figure(*cached.mc_curve(run.at(q), int(max_k), int(repeats))),
                   keep_prob, depends_on=depends_on, live=curves.complete)
        live_metrics("inf_mc_metrics", lambda q: mc_metrics(*cached.mc_curve(run.at(q), int(max_k), int(repeats))),
                     keep_prob, depends_on=depends_on, live=curves.complete)
        if not curves.complete:
            not_live_notice(training_text.not_live_reason(
                "The Monte-Carlo curves of these settings", stored=curves.stored, needed=curves.needed,
                store_on=store.store_dir() is not None, on_grid=len(states) == GRID_SIZE, keep_prob=keep_prob,
                default_settings=curves.default_settings, seed=curves.seed, default_seed=DEFAULT_SEED,
                verb="computed"))
        if keep_prob == 0.0:
            st.caption("At keep_prob 0 every Monte-Carlo pass drops every hidden unit and predicts from the output "
                       "biases alone; weight scaling uses the never-trained hidden weights. Both are near chance.")
        elif keep_prob == 1.0:
            st.caption("At keep_prob 1 every pass is the full network, so the two methods agree for every k.")
        elif not learned:
            st.caption(f"Both methods are near chance ({100 * words.CHANCE_ERROR:.0f}% error): the network has not "
                       "learned (see the warning above), so there is nothing for either to approximate.")
        else:
            st.caption(words.mc_sentence(ks, errors, weight_scaling_error, keep_prob))
with relu_tab:
    if relu_tab.open:
        st.subheader("Why weight scaling is only an approximation: the ReLU")
        st.markdown(
            """
For a *linear* network the **logits** (the ten scores before the softmax) are linear in every
mask, so their expectation is exactly the logits with each mask replaced by its mean (keep_prob,
or 1 after inverted scaling): for the logits, weight scaling *is* the average, and the Monte-Carlo
average of the logits closes in on it like 1/√k. The first view averages **probabilities**, after
the softmax, and the softmax is not linear: even for a linear network the averaged probabilities
differ a little from the softmax of the weight-scaled logits. A ReLU adds a non-linearity inside
the network, E[ReLU(z)] ≠ ReLU(E[z]), so with ReLUs even the averaged logits converge to something
slightly different from the weight-scaled ones, and the gap levels off. The chart compares logits.
"""
        )
        with st.spinner(f"Averaging up to {cached.GAP_MAX_K} sampled networks"):
            ks_gap, gap_linear, gap_relu = cached.logit_gaps(run)
        live_chart("inf_logit_gap", lambda q: figures.logit_gap_figure(ks_gap, gap_linear, gap_relu), keep_prob,
                   live=False)
        not_live_notice(words.not_live_reason("this chart's averages", cached.GAP_MAX_K))
        st.caption(f"Mean absolute difference between the Monte-Carlo average of the 10 output scores (logits) and the "
                   f"weight-scaled scores, over {cached.GAP_IMAGES} test digits and k up to {cached.GAP_MAX_K}, using "
                   "the trained weights with and without the ReLUs. "
                   + words.logit_gap_sentence(ks_gap, gap_linear, gap_relu))
with uncertainty_tab:
    if uncertainty_tab.open:
        st.subheader("MC dropout as a measure of uncertainty")
        check_query_param(SAMPLES_KEY, _one_of(cached.MC_SAMPLE_CHOICES),
                          "one of " + ", ".join(map(str, cached.MC_SAMPLE_CHOICES)))
        check_query_param(SHAPE_KEY, parse_choice(cached.TOY_SHAPES), "moons or spirals")
        uncertainty_controls = st.columns(2)
        with uncertainty_controls[0]:
            n_samples = st.select_slider("Monte-Carlo passes T", options=cached.MC_SAMPLE_CHOICES, value=50,
                                         key=SAMPLES_KEY, bind="query-params")
        with uncertainty_controls[1]:
            shape = st.radio("2-D toy set", cached.TOY_SHAPES, horizontal=True, key=SHAPE_KEY, bind="query-params")
        toy_noise = cached.UNCERTAINTY_NOISE[shape]
        toy = (shape, toy_noise, cached.DEFAULT_TOY_SIZE, keep_prob, settings.seed)
        X_toy, _, y_toy, _ = cached.toy_data(shape, toy_noise, cached.DEFAULT_TOY_SIZE, settings.seed)
        grid_x, grid_y, entropy_map, spread_map = cached.toy_uncertainty(*toy, int(n_samples))
        st.markdown(
            r"""
**Predictive entropy** measures how spread out the averaged prediction $\bar p$ is over the classes:
$H = -\sum_c \bar p_c \log \bar p_c$, in nats (natural logarithm). It is 0 when all the probability
sits on one class, log 2 ≈ 0.69 at a 50/50 split between two classes, log 10 ≈ 2.30 when all ten
digits are equally likely. A network without dropout has an entropy too (its softmax can be 50/50).
What only MC dropout gives is the **spread between the passes** (the right map, the error bars
below): how much the sampled networks disagree. That spread, not the entropy, is its signal.
"""
        )
        maps = st.columns(2)
        with maps[0]:
            live_chart("inf_entropy_map", lambda q: figures.uncertainty_map(
                grid_x, grid_y, entropy_map, X_toy, y_toy, zmax=0.6931, title="Predictive entropy of the MC average",
                colorbar_title="entropy (nats)"), keep_prob, live=False)
        with maps[1]:
            live_chart("inf_spread_map", lambda q: figures.uncertainty_map(
                grid_x, grid_y, spread_map, X_toy, y_toy, title="Spread of p(class 1) over the T passes",
                colorbar_title="standard deviation"), keep_prob, live=False)
        not_live_notice(words.not_live_reason("these maps and the digits below", int(n_samples)))
        st.caption(f"The Training lab's 2-D network ({len(cached.TOY_HIDDEN)} layers of {cached.TOY_HIDDEN[0]} units, "
                   f"{cached.DEFAULT_TOY_SIZE} training points, noise {toy_noise:g}) with dropout on at test time, "
                   f"T = {n_samples} passes. "
                   + words.toy_sentence(grid_x, grid_y, entropy_map, spread_map, X_toy))

        images, true_labels, mean_proba, spread, entropy, wrong = cached.ambiguous_digits(run, int(n_samples))
        live_chart("inf_ambiguous", lambda q: figures.ambiguous_digits_figure(images, true_labels, mean_proba, spread),
                   keep_prob, live=False)
        digit_columns = st.columns([3, 2])
        with digit_columns[0]:
            live_chart("inf_entropy_histogram", lambda q: figures.entropy_histogram(entropy, wrong), keep_prob,
                       live=False)
        with digit_columns[1]:
            st.markdown(
                f"The {len(images)} test digits above are the ones with the highest entropy of the averaged "
                f"prediction over T = {n_samples} passes; the error bars show how much each class's probability "
                "moved from pass to pass (the spread).\n\n"
                + words.entropy_sentence(entropy, wrong) + "\n\n"
                + ("At keep_prob 1 every pass is the same network: there are no error bars, and the entropy is "
                   "that of one network's softmax, which a model without dropout has too."
                   if keep_prob >= 1.0 else
                   "The entropy alone would come from one network's softmax too; the error bars are what keeping "
                   "dropout on at test time adds, and what lets a model say *\"the sampled networks disagree: I am "
                   "not sure\"*.")
            )

st.success(
    "**What to notice:** "
    + ("at keep_prob 1 there is nothing to average: every pass is the full network, and the passes never disagree. "
       "Lower keep_prob to see weight scaling and Monte-Carlo averaging part. "
       if keep_prob >= 1.0 else
       "at this keep_prob the network has not learned, so neither method has anything to approximate: try 0.5 or "
       "0.8. "
       if not learned else
       "one pass with weight scaling is about as good as averaging dozens of sampled networks, and better than a "
       "single one of them (the first view measures both). Its logits equal the average logits only for a linear "
       "network; with ReLUs it is close enough to be what PyTorch, Keras/TensorFlow and most frameworks do at test "
       "time. ")
    + "Keeping dropout on at test time costs k passes but buys the spread between them: how much the sampled "
      "networks disagree, a measure of how unsure the model is.",
    icon=":material/lightbulb:",
)

lesson_tools(
    "inference", keys=(MAX_K_KEY, REPEATS_KEY, SAMPLES_KEY, SHAPE_KEY, VIEW_KEY),
    code=(mlp.predict_proba, mlp.mc_samples, mlp.mc_error_curve, mlp.predictive_entropy),
)
