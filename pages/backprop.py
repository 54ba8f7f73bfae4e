"""Lesson 4, Backprop and gradients: the backward pass through dropout, checked numerically, with common bugs."""

import pandas as pd
import streamlit as st

from core import two_layer
from core.dropout import dropout_backward
from core.two_layer import PARAM_NAMES, VARIANTS
from ui.cached import backprop as cached
from ui.components import lesson_tools
from ui.figures import backprop as figures
from ui.live import Metric, fallback_notice, live_chart, live_metrics
from ui.state import check_query_param, lesson_settings, parse_choice, view_tabs

EXAMPLES_KEY = "bp_examples"
VARIANT_KEY = "bp_variant"
VIEW_KEY = "bp_view"
VIEWS = ("Gradient flow", "Gradient check", "Zero updates")
# Radio label (also the URL value of a shared link) -> core variant name.
VARIANT_LABELS = {
    "correct backward": "correct",
    "no 1/keep_prob in backward": "no_scale",
    "new mask in backward": "new_mask",
    "scaled twice": "scaled_twice",
    "mask redrawn in the check": "redrawn",
}
LABEL_OPTIONS = list(VARIANT_LABELS)
VARIANT_OPTIONS = list(VARIANT_LABELS.values())
EXAMPLE_OPTIONS = [str(n) for n in cached.EXAMPLE_OPTIONS]  # as strings: the URL holds ?bp_examples=4

settings = lesson_settings()
keep_prob = settings.keep_prob

st.title("Backprop and gradients")
n_in, n_hidden_units, n_classes = cached.SIZES
st.markdown(
    f"""
A small network, {n_in} inputs → {n_hidden_units} hidden ReLU units → {n_classes} classes, with inverted dropout
on the hidden layer. The forward pass draws a mask `m`; the backward pass must send the gradient back through
**the same scaled mask**, `m / keep_prob`, because that is exactly the factor the forward pass
multiplied by. No separate rule is needed: it is the chain rule.
"""
)
columns = st.columns(2)
with columns[0]:
    st.markdown("**Forward** (one minibatch)")
    st.latex(
        r"\begin{aligned} z_1 &= x W_1 + b_1, \quad a = \mathrm{ReLU}(z_1) \\"
        r" h &= \frac{a \odot m}{\mathrm{keep\_prob}} \\"
        r" s &= h W_2 + b_2, \quad L = \mathrm{CE}(\mathrm{softmax}(s), y) \end{aligned}"
    )
with columns[1]:
    st.markdown("**Backward** (the same scaled mask as forward)")
    st.latex(
        r"\begin{aligned} dW_2 &= h^\top ds, \quad dh = ds\, W_2^\top \\"
        r" da &= dh \odot \frac{m}{\mathrm{keep\_prob}} \\"
        r" dz_1 &= da \odot \mathbb{1}[z_1 > 0], \quad dW_1 = x^\top dz_1 \end{aligned}"
    )
st.caption(
    "Notation: the scores s go through softmax, p_k = e^(s_k) / Σ_j e^(s_j), which turns them into class "
    "probabilities; CE(p, y) = −log p_y is the cross-entropy loss of an example of class y, and L is its mean over "
    "the minibatch. A d in front of a name is the gradient of L with respect to it: ds = ∂L/∂s = (p − onehot(y)) / N "
    "is where backward starts, dh = ∂L/∂h arrives at the dropout output, da = ∂L/∂a leaves it."
)
st.markdown("**The chain rule, in two steps.** Write dropout as $c = a \\odot m$ followed by "
            "$h = c / \\mathrm{keep\\_prob}$:")
st.latex(
    r"\frac{\partial L}{\partial c} = \frac{\partial L}{\partial h}\cdot\frac{1}{\mathrm{keep\_prob}}, \qquad"
    r"\frac{\partial L}{\partial a} = \frac{\partial L}{\partial c}\odot m"
    r"= dh \odot \frac{m}{\mathrm{keep\_prob}}"
)
st.caption(
    "A constant factor passes straight through a derivative, g(z) = c·f(z) ⇒ g′(z) = c·f′(z): the division by "
    "keep_prob in backward is not an extra rule, it is the derivative of the division in forward. With "
    "keep_prob = 0.5 the mask holds 0s and 2s after scaling, and backward multiplies dh by exactly those 0s and 2s."
)

check_query_param(EXAMPLES_KEY, parse_choice(EXAMPLE_OPTIONS), " or ".join(EXAMPLE_OPTIONS))
n_examples = st.radio(
    "examples in the minibatch", EXAMPLE_OPTIONS, horizontal=True, key=EXAMPLES_KEY, bind="query-params",
    help="Each example draws its own mask. With one example every dropped unit's weights get exactly zero "
         "gradient; with several, only units dropped in every example do.",
)
n_examples = int(n_examples)
case = cached.case(keep_prob, settings.seed, n_examples)
n_hidden = case.mask.shape[1]
dropped = case.dropped_everywhere
n_dropped = int(dropped.sum())
checks = cached.checks(keep_prob, settings.seed, n_examples)  # every backward variant on this draw (~10 ms)

if keep_prob == 0.0:
    st.warning(
        "**keep_prob = 0: every hidden unit is dropped.** The hidden layer sends only zeros forward, so the scores "
        "are just b₂ and every gradient into W₁, b₁ and W₂ is exactly zero: nothing below the output bias can "
        "learn. (1 / keep_prob is undefined; with nothing kept there is nothing to scale, and the core uses 0.)",
        icon=":material/block:",
    )
elif keep_prob == 1.0:
    st.info(
        "**keep_prob = 1: nothing is dropped**, the scaled mask is all ones and backward is plain backprop. Every bug "
        "in *Gradient check* is invisible here (no mask to get wrong, no factor to forget): move keep_prob below 1 to "
        "see them fail.",
        icon=":material/check_circle:",
    )

scale_bug_difference = (1 - keep_prob) / (1 + keep_prob)  # ||q g - g|| / (||q g|| + ||g||), either scaling bug
explanations = {
    "correct": "Every point sits on the diagonal: the backward pass is the derivative of the forward pass.",
    "no_scale": "dW₂ and db₂ are still right (they are above the dropout layer), but every gradient below it is "
                "keep_prob times too small: a relative difference of (1 − keep_prob) / (1 + keep_prob) = "
                f"{scale_bug_difference:.3g}.",
    "new_mask": "The gradient flows back through units the forward pass dropped and skips units it kept: the "
                "gradients below the dropout layer are for a different network than the one that made the loss.",
    "scaled_twice": "Dividing by keep_prob once more makes every gradient below the dropout layer 1 / keep_prob "
                    "times too big: the same relative difference as forgetting the factor, "
                    f"(1 − keep_prob) / (1 + keep_prob) = {scale_bug_difference:.3g}.",
    "redrawn": "Here backward is right, but the check is broken: every loss evaluation draws a new mask, so "
               "L(w + ε) and L(w − ε) come from different networks: their difference is mostly the change of mask, "
               "not of the weight, and dividing it by a tiny 2ε turns it into large noise, not a slope. Freeze the "
               "mask (or reseed the generator before every evaluation) when checking dropout.",
}
# Why a bug can pass on a draw that drops every hidden unit (see the Gradient flow view), and why it can still fail.
ALL_DROPPED_PASS = {
    "no_scale": "a factor on a zero gradient changes nothing",
    "scaled_twice": "a factor on a zero gradient changes nothing",
    "new_mask": "its fresh mask happens to drop every unit too",
    "redrawn": "every mask it redrew happened to drop every unit too",
}
ALL_DROPPED_FAIL = {
    "no_scale": "",
    "scaled_twice": "",
    "new_mask": "its fresh mask keeps a unit the forward pass dropped, so a gradient flows where none should",
    "redrawn": "some of the masks it redraws inside the check keep units, so its numerical gradient is not this "
               "network's slope",
}


def _chance(probability: float) -> str:
    """A probability for a sentence: 1.6% or 6.0e-08."""
    return f"{probability:.1%}" if probability >= 1e-3 else f"{probability:.1e}"


def _and(items: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _all_dropped_text() -> str:
    """The Gradient flow view's note on a draw that drops every hidden unit, from this draw's own checks."""
    probability = two_layer.probability_all_dropped(keep_prob, n_hidden, n_examples)
    exponent = n_hidden * n_examples
    where = f" in each of the {n_examples} examples" if n_examples > 1 else ""
    bugs = [v for v in VARIANT_OPTIONS if v != "correct"]
    passing = [v for v in bugs if checks[v].passes]
    failing = [v for v in bugs if not checks[v].passes]
    label_of = {v: label for label, v in VARIANT_LABELS.items()}

    def listed(variants, reasons):
        """The variants' labels, those that share a reason grouped before it: '*a* and *b* (reason)'."""
        groups: dict[str, list[str]] = {}
        for v in variants:
            groups.setdefault(reasons[v], []).append(f"*{label_of[v]}*")
        parts = [_and(labels) + (f" ({reason})" if reason else "") for reason, labels in groups.items()]
        return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + ", and " + parts[-1]

    text = (f"This draw drops all {n_hidden} hidden units{where}: at keep_prob {keep_prob:.2f} that happens with "
            f"probability (1 − keep_prob)^{exponent} = {_chance(probability)}. With the forward pass's mask no "
            "gradient reaches W₁ and b₁: da, dW₁ and db₁ are exactly 0. ")
    if passing:
        text += f"So on this draw *Gradient check* passes {listed(passing, ALL_DROPPED_PASS)}. "
    if failing:
        text += f"It still fails {listed(failing, ALL_DROPPED_FAIL)}. "
    return text + ("Change the **seed** in the sidebar" + ("" if n_examples > 1 else ", or use 4 examples,")
                   + " to see a mask that keeps some units.")


depends_on = (settings.seed, n_examples)  # with keep_prob, all the live charts read (and the checked variant)
fallback_notice()
flow_tab, check_tab, zero_tab = view_tabs(VIEWS, key=VIEW_KEY)
with flow_tab:
    if flow_tab.open:
        st.subheader("Gradients flowing back through the mask")
        if 0 < keep_prob < 1 and n_dropped == n_hidden:
            st.info(_all_dropped_text(), icon=":material/casino:")
        columns = st.columns([1, 1])
        with columns[0]:
            title = ("Gradient of every weight (one example)" if n_examples == 1
                     else f"Gradient of every weight (summed over {n_examples} examples)")
            def network_at(q: float):
                case_q = cached.case(q, settings.seed, n_examples)
                return figures.gradient_network(case_q.x[0], case_q.cache.a[0], case_q.cache.probs[0],
                                                ~case_q.dropped_everywhere, case_q.grads.W1, case_q.grads.W2,
                                                title=title)

            live_chart("bp_network", network_at, keep_prob, depends_on=depends_on)
            st.caption(
                "Edge width is the size of the weight's gradient (relative to the largest in its layer); a dotted grey "
                "edge has a gradient of exactly 0. "
                + ("A dropped unit (hollow) outputs 0, so its outgoing weights get no gradient, and it passes no "
                   "gradient back, so its incoming weights get none either. Hover a unit for its value."
                   if n_examples == 1 else
                   "Hollow units are dropped in **every** example of the batch; a unit kept in at least one example "
                   "still gets a gradient from that example.")
            )
        with columns[1]:
            table = pd.DataFrame(cached.hidden_table(keep_prob, settings.seed, n_examples)).set_index("unit")
            st.markdown("**The hidden layer's backward, unit by unit**" + (" (example 0)" if n_examples > 1 else ""))
            st.dataframe(
                table.style.format("{:.4f}").format("{:.0f}", subset=["mask"])
                .format("{:.3g}", subset=["mask/keep_prob"]),
                width="stretch", key="bp_hidden_table",
            )
            if 0 < keep_prob < 1:
                st.caption(
                    "dh is what layer 2 sends back (∂L/∂h, the gradient at the dropout output). Backward multiplies it "
                    f"by the forward pass's scaled mask, mask / keep_prob = 0 or {case.cache.dropout.scale:.3g}: the "
                    "same numbers forward used, not a binary mask. The last column is da = ∂L/∂a, the gradient at "
                    "the dropout input. Dropped units pass back exactly 0, whatever dh was."
                )
            else:
                st.caption("dh is what layer 2 sends back (∂L/∂h); backward multiplies it by mask / keep_prob "
                           f"(here {case.cache.dropout.scale:.3g} for every unit"
                           + (", since 1 / keep_prob is undefined and nothing is kept" if keep_prob == 0 else "")
                           + ") to give da = ∂L/∂a.")
with check_tab:
    if check_tab.open:
        st.subheader("A live gradient check")
        st.markdown(
            "Perturb each weight by ±ε (ε = 10⁻⁵), recompute the loss **with the mask frozen**, and compare the slope "
            "(L(w + ε) − L(w − ε)) / 2ε with what backward computed. The relative difference "
            r"$\lVert g_\text{backward} - g_\text{numerical}\rVert / (\lVert g_\text{backward}\rVert + "
            r"\lVert g_\text{numerical}\rVert)$ is about 10⁻⁹ or smaller in float64 when backward is right; "
            "above 10⁻⁷ something is wrong."
        )
        check_query_param(VARIANT_KEY, parse_choice(LABEL_OPTIONS), "one of " + ", ".join(LABEL_OPTIONS))
        columns = st.columns([2, 3])
        with columns[0]:
            label = st.radio("backward to check", LABEL_OPTIONS, captions=[VARIANTS[v] for v in VARIANT_OPTIONS],
                             key=VARIANT_KEY, bind="query-params",
                             help="The correct backward and three bugs learners often write, plus one mistake in the "
                                  "check itself.")
            variant = VARIANT_LABELS[label]
            check = checks[variant]
            worst = max(check.errors, key=check.errors.get)
            passed = check.passes
            def worst_difference(q: float) -> list[Metric]:
                check_q = cached.checks(q, settings.seed, n_examples)[variant]
                worst_q = max(check_q.errors, key=check_q.errors.get)
                return [Metric("relative difference (worst gradient)", f"{check_q.max_error:.2e}",
                               help=f"The worst of dW1, db1, dW2, db2 and da; here d{worst_q}.")]

            live_metrics("bp_check_metric", worst_difference, keep_prob, depends_on=(*depends_on, variant))
            if passed and variant == "correct":
                st.success("Passes: backward agrees with the numerical gradient.", icon=":material/check_circle:")
            elif passed:
                if keep_prob in (0.0, 1.0):
                    reason = "at keep_prob 0 or 1 there is no randomness and no factor to get wrong"
                elif variant == "new_mask" and check.same_mask_in_backward:
                    reason = "the new mask happens to equal the forward one (try another seed)"
                elif not case.mask.any():
                    reason = "this mask dropped every hidden unit, so every gradient below layer 2 is zero either way"
                else:
                    reason = "the bug has no effect on this draw"
                st.warning(f"Passes here by luck: {reason}. The bug is still a bug.", icon=":material/warning:")
            elif variant == "redrawn":
                st.error("Fails, though backward is right: the numerical gradient is wrong, because the check "
                         "redraws the mask at every evaluation (see below).", icon=":material/error:")
            else:
                st.error("Fails: backward does not compute the derivative of the forward pass.",
                         icon=":material/error:")
            errors = pd.DataFrame({
                "gradient": [f"d{name}" for name in (*PARAM_NAMES, "a")],
                "relative difference": [check.errors[name] for name in (*PARAM_NAMES, "a")],
            }).set_index("gradient")
            st.dataframe(errors.style.format("{:.2e}"), width="stretch", key="bp_errors_table")
        with columns[1]:
            def scatter_at(q: float):
                check_q = cached.checks(q, settings.seed, n_examples)[variant]
                return figures.check_scatter(check_q.analytic, check_q.numerical,
                                             title=f"Analytic vs numerical: {label}")

            def variants_at(q: float):
                checks_q = cached.checks(q, settings.seed, n_examples)
                return figures.variant_errors(LABEL_OPTIONS, [checks_q[v].max_error for v in VARIANT_OPTIONS],
                                              selected=VARIANT_OPTIONS.index(variant))

            live_chart("bp_check_scatter", scatter_at, keep_prob, depends_on=(*depends_on, variant))
            live_chart("bp_variant_errors", variants_at, keep_prob, depends_on=(*depends_on, variant))
        st.caption(explanations[variant])
with zero_tab:
    if zero_tab.open:
        st.subheader("Which weights get zero gradient this step")
        if n_dropped:
            names = ", ".join(f"h{unit}" for unit in range(n_hidden) if dropped[unit])
            st.markdown(
                f"Dropped{' in every example' if n_examples > 1 else ''}: **{names}** ({n_dropped} of {n_hidden}). "
                "Their column of dW₁ (the weights into them) and their row of dW₂ (the weights out of them) are "
                "exactly zero, so plain gradient descent (no momentum, no weight decay) leaves those weights where "
                "they are this step. With momentum (as in *Training lab*) or Adam they still move, by the running "
                "average of earlier steps' gradients; weight decay would shrink them too. "
                + ("At keep_prob 0 every step drops every unit, so these gradients stay zero at every step."
                   if keep_prob == 0 else "The next step draws a new mask, and other weights get zero gradient.")
            )
        else:
            st.markdown(
                f"No hidden unit is dropped{' in every example' if n_examples > 1 else ''} this step, so every weight "
                "gets a gradient."
                + (" With 4 examples a unit must be dropped in all four to get zero gradient; try 1 example."
                   if n_examples > 1 and keep_prob < 1 else "")
            )
        columns = st.columns(2)
        with columns[0]:
            def dW1_at(q: float):
                case_q = cached.case(q, settings.seed, n_examples)
                return figures.weight_gradient_heatmap(
                    case_q.grads.W1, title="dW₁: into the hidden units", x_title="hidden unit", y_title="input",
                    x_labels=figures.unit_labels("h", case_q.dropped_everywhere, separator="<br>"),
                    y_labels=[f"x{i}" for i in range(case_q.x.shape[1])])

            live_chart("bp_dW1", dW1_at, keep_prob, depends_on=depends_on)
        with columns[1]:
            def dW2_at(q: float):
                case_q = cached.case(q, settings.seed, n_examples)
                return figures.weight_gradient_heatmap(
                    case_q.grads.W2, title="dW₂: out of the hidden units", x_title="class", y_title="hidden unit",
                    y_labels=figures.unit_labels("h", case_q.dropped_everywhere),
                    x_labels=[f"class {k}" for k in range(case_q.grads.W2.shape[1])])

            live_chart("bp_dW2", dW2_at, keep_prob, depends_on=depends_on)

lucky = [f"*{label}*" for label, v in VARIANT_LABELS.items() if v != "correct" and checks[v].passes]
if keep_prob in (0.0, 1.0):
    bugs_notice = (f"At keep_prob {keep_prob:.0f} every bug passes the check too (no randomness, no factor to get "
                   "wrong): check dropout at a keep_prob strictly between 0 and 1.")
elif not lucky:
    bugs_notice = ("Leave the factor out, apply it twice or draw a new mask, and the check fails by a wide margin; "
                   "redraw the mask inside the check and even a correct backward looks wrong.")
else:
    bugs_notice = (f"On this draw {_and(lucky)} {'passes' if len(lucky) == 1 else 'pass'} the check by luck "
                   "(see *Gradient check*): one draw can hide a bug, so check dropout at a keep_prob strictly "
                   "between 0 and 1, on a mask that keeps some units and drops others.")
st.success(
    "**What to notice:** backward multiplies by the very mask / keep_prob that forward used (0s and "
    "1/keep_prob's, not a binary mask and not a new one), and the gradient check confirms it (here the relative "
    f"difference is {checks['correct'].max_error:.0e}). {bugs_notice} A unit dropped in every example of the "
    "minibatch gets exactly zero gradient on its weights in that step.",
    icon=":material/lightbulb:",
)

lesson_tools(
    "backprop", keys=(VARIANT_KEY, EXAMPLES_KEY, VIEW_KEY),
    tables=lambda: {"hidden layer": pd.DataFrame(cached.hidden_table(keep_prob, settings.seed, n_examples)),
                    "dW1": case.grads.W1, "dW2": case.grads.W2},
    code=(two_layer.forward, two_layer.backward, two_layer._backward, dropout_backward, two_layer.gradient_check),
)
