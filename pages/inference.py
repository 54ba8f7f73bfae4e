"""Lesson "Inference": weight scaling against Monte-Carlo averaging over masks, and MC-dropout uncertainty."""

import streamlit as st

from core import mlp
from ui.cached import training as cached
from ui.components import lesson_tools
from ui.figures import inference as figures
from ui.state import check_query_param, lesson_settings, parse_choice, parse_int, view_tabs

MAX_K_KEY = "inf_max_k"
REPEATS_KEY = "inf_repeats"
SAMPLES_KEY = "inf_samples"
SHAPE_KEY = "inf_shape"
VIEW_KEY = "inf_view"
VIEWS = ("Weight scaling vs MC", "Why: the ReLU", "Uncertainty")


def _one_of(options):
    return lambda raw: raw if parse_int(raw, min(options), max(options)) in options else None


settings = lesson_settings()
keep_prob = settings.keep_prob

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

mc_tab, relu_tab, uncertainty_tab = view_tabs(VIEWS, key=VIEW_KEY)
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
        with st.spinner("Running the Monte-Carlo passes"):
            ks, errors, weight_scaling_error = cached.mc_curve(run, int(max_k), int(repeats))
        mean_errors = errors.mean(axis=0)
        matched = [int(k) for k, e in zip(ks, mean_errors, strict=True) if e <= weight_scaling_error]
        st.plotly_chart(figures.mc_error_figure(ks, errors, weight_scaling_error), width="stretch", key="inf_mc_error")
        metrics = st.columns(3)
        metrics[0].metric("weight scaling (1 pass)", f"{100 * weight_scaling_error:.2f}%")
        metrics[1].metric("MC, k = 1 (one thinned network)", f"{100 * mean_errors[0]:.2f}%")
        metrics[2].metric(f"MC, k = {int(ks[-1])}", f"{100 * mean_errors[-1]:.2f}%")
        if keep_prob == 0.0:
            st.caption("At keep_prob 0 every Monte-Carlo pass drops every hidden unit and predicts from the output "
                       "biases alone; weight scaling uses the never-trained hidden weights. Both are near chance.")
        elif keep_prob == 1.0:
            st.caption("At keep_prob 1 every pass is the full network, so the two methods agree for every k.")
        elif matched:
            st.caption(f"The Monte-Carlo average first matches weight scaling (mean over repeats) at k = {matched[0]}. "
                       "Srivastava et al. found about k = 50 on MNIST. One sampled network (k = 1) is clearly worse: "
                       "it is a network with half its units missing.")
        else:
            st.caption(f"Up to k = {int(ks[-1])} the Monte-Carlo average does not reach weight scaling here; "
                       "try a larger k. One sampled network (k = 1) is clearly worse: half its units are missing.")
with relu_tab:
    if relu_tab.open:
        st.subheader("Why weight scaling is only an approximation: the ReLU")
        st.markdown(
            """
For a *linear* network the output is linear in every mask, so its expectation is exactly the
output with each mask replaced by its mean (keep_prob, or 1 after inverted scaling): weight
scaling *is* the average, and the Monte-Carlo estimate closes in on it like 1/√k. A ReLU is not
linear, E[ReLU(z)] ≠ ReLU(E[z]), so with ReLUs the average of the sampled networks converges to
something slightly different from the weight-scaled network, and the gap levels off.
"""
        )
        with st.spinner(f"Averaging up to {cached.GAP_MAX_K} sampled networks"):
            ks_gap, gap_linear, gap_relu = cached.logit_gaps(run)
        st.plotly_chart(figures.logit_gap_figure(ks_gap, gap_linear, gap_relu), width="stretch", key="inf_logit_gap")
        st.caption(f"Mean absolute difference between the Monte-Carlo average of the 10 output scores (logits) and the "
                   f"weight-scaled scores, over {cached.GAP_IMAGES} test digits and k up to {cached.GAP_MAX_K}, using "
                   "the trained weights with and without the ReLUs. At first both fall like 1/√k (sampling noise). The "
                   "linear curve keeps following the dotted line towards 0; the ReLU curve flattens out once the noise "
                   "is below its bias, the part of the difference that no number of samples removes.")
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
        maps = st.columns(2)
        with maps[0]:
            st.plotly_chart(figures.uncertainty_map(grid_x, grid_y, entropy_map, X_toy, y_toy, zmax=0.6931,
                                                    title="Predictive entropy of the MC average",
                                                    colorbar_title="entropy (nats)"),
                            width="stretch", key="inf_entropy_map")
        with maps[1]:
            st.plotly_chart(figures.uncertainty_map(grid_x, grid_y, spread_map, X_toy, y_toy,
                                                    title="Spread of p(class 1) over the T passes",
                                                    colorbar_title="standard deviation"),
                            width="stretch", key="inf_spread_map")
        st.caption(f"The Training lab's 2-D network (two layers of 128 units, {cached.DEFAULT_TOY_SIZE} training "
                   f"points, noise {toy_noise:g}) with dropout on at test time. Entropy is highest (log 2 ≈ 0.69) "
                   "where the classes meet; the spread between passes is largest there and far from the data, where "
                   "nothing pinned the network down.")

        images, true_labels, mean_proba, spread, entropy, wrong = cached.ambiguous_digits(run, int(n_samples))
        st.plotly_chart(figures.ambiguous_digits_figure(images, true_labels, mean_proba, spread), width="stretch",
                        key="inf_ambiguous")
        digit_columns = st.columns([3, 2])
        with digit_columns[0]:
            st.plotly_chart(figures.entropy_histogram(entropy, wrong), width="stretch", key="inf_entropy_histogram")
        with digit_columns[1]:
            st.markdown(
                f"""
The six test digits above are the ones the network is least sure about (highest entropy of the
averaged prediction over T = {n_samples} passes); the error bars show how much each class's
probability moved from pass to pass.

On the left, every test digit: the misclassified ones sit mostly at high entropy, so the
uncertainty is informative, a reason to keep dropout on at test time when a model should say
*"I am not sure"*.
"""
            )

st.success(
    "**What to notice:** one pass with weight scaling is about as good as averaging dozens of sampled networks, "
    "and far better than any single one of them; it is exact only for a linear network, and close enough with "
    "ReLUs to be what every framework does. Keeping dropout on at test time costs k passes but buys an uncertainty "
    "estimate: high where classes meet, and high on the digits the network gets wrong.",
    icon=":material/lightbulb:",
)

lesson_tools(
    "inference", keys=(MAX_K_KEY, REPEATS_KEY, SAMPLES_KEY, SHAPE_KEY, VIEW_KEY),
    code=(mlp.predict_proba, mlp.mc_samples, mlp.mc_error_curve, mlp.predictive_entropy),
)
