"""Practice, Pitfalls: the dropout bugs people ship, each as the buggy line, what it does (live), the fix and
how to spot it."""

import pandas as pd
import streamlit as st

from core import pitfalls as core
from ui.cached import pitfalls as cached
from ui.components import lesson_tools
from ui.figures import pitfalls as figures
from ui.figures.training import digit_grid
from ui.state import lesson_settings, view_tabs

VIEW_KEY = "pitfalls_view"
VIEWS = ("Left on at test time", "Mask shape", "Flipped comparison", "Training loss", "Before BatchNorm",
         "Activation order")

settings = lesson_settings()
keep_prob, seed = settings.keep_prob, settings.seed
drop = 1 - keep_prob  # PyTorch's p and Keras' rate

st.title("Pitfalls")
st.markdown(
    "Six dropout bugs that real code ships, one per view: **the buggy line** as it is usually written, **what it "
    "does** (computed live at the sidebar's keep_prob and seed), **the fix** beside it, and **how to spot it**."
)
if keep_prob == 0.0:
    st.warning("**keep_prob = 0: every unit is dropped.** Several bugs below divide by keep_prob, which is undefined "
               "here; each view says what is left to see. Move keep_prob up (0.5 to 0.9 is typical).",
               icon=":material/block:")
elif keep_prob == 1.0:
    st.info("**keep_prob = 1: nothing is dropped**, so most of these bugs cannot show (a flipped comparison is the "
            "exception: it keeps nothing). Move keep_prob below 1 to see them.", icon=":material/check_circle:")


def bug_and_fix(bug: str, fix: str) -> None:
    """The buggy code and its fix, side by side."""
    left, right = st.columns(2)
    with left:
        st.markdown(":red[**The bug**]")
        st.code(bug, language="python", wrap_lines=True)
    with right:
        st.markdown(":blue[**The fix**]")
        st.code(fix, language="python", wrap_lines=True)


def spot(sentence: str) -> None:
    st.info(f"**How to spot it:** {sentence}", icon=":material/search:")


tabs = view_tabs(VIEWS, key=VIEW_KEY)

with tabs[0]:
    if tabs[0].open:
        bug_and_fix(
            "# PyTorch: still in training mode\n"
            "model.train()\n"
            "label = model(image).argmax()\n\n"
            "# Keras: dropout on in this call\n"
            "scores = model(image, training=True)",
            "# PyTorch: dropout off\n"
            "model.eval()\n"
            "with torch.no_grad():\n"
            "    label = model(image).argmax()\n\n"
            "# Keras (or model.predict(image))\n"
            "scores = model(image, training=False)",
        )
        with st.spinner("Training the Training lab's network for this keep_prob and seed (once)…"):
            case = cached.dropout_left_on(keep_prob, seed)
        columns = st.columns([1, 3])
        with columns[0]:
            st.plotly_chart(digit_grid(case.image[None, :], [case.label], [case.eval_prediction],
                                       title=f"Test image {case.image_index}", columns=1, height=260),
                            width="stretch", key="pitfalls_digit")
            st.caption("Its true digit → the prediction with dropout off.")
        with columns[1]:
            st.plotly_chart(figures.calls_figure(case.call_proba, case.eval_proba, case.image_index),
                            width="stretch", key="pitfalls_calls")
        metrics = st.columns(3)
        mean_on = float(case.errors_on.mean())
        metrics[0].metric("test error, dropout off", f"{100 * case.error_off:.2f}%")
        metrics[1].metric("test error, dropout on", f"{100 * mean_on:.2f}%",
                          help=f"The mean over {case.errors_on.size} calls on all 797 test images.",
                          delta=f"{100 * (mean_on - case.error_off):+.2f} points", delta_color="inverse")
        metrics[2].metric("test images that change answer", f"{100 * case.unstable_fraction:.1f}%",
                          help=f"Share of the 797 test images that get more than one answer in "
                               f"{case.errors_on.size} calls with dropout on.")
        st.markdown(core.left_on_summary(case, keep_prob))
        st.caption(
            f"The network: the Training lab's at its defaults (64 → 256 → 256 → 10, hidden keep_prob {keep_prob:.2f}, "
            f"seed {seed}), 797 test digits. {core.left_on_choice(case)} BatchNorm layers, if a model has them, are "
            "also switched by model.train() and model.eval(): in training mode they normalise with each batch's "
            "statistics and update their running ones."
        )
        st.page_link("pages/inference.py", icon=":material/arrow_forward:",
                     label="MC dropout does this on purpose: Inference")
        spot("call the model twice on the same input; if the answers differ, dropout (or another random layer) is "
             "still on.")

with tabs[1]:
    if tabs[1].open:
        bug_and_fix(
            "# a: (N, D) = (examples, units)\n"
            "# one draw per example:\n"
            "mask = rng.random((N, 1)) < keep_prob\n"
            "# one draw per unit, whole batch:\n"
            "mask = rng.random((1, D)) < keep_prob\n"
            "out = a * mask / keep_prob",
            "# one draw per entry: a's shape\n"
            "mask = rng.random(a.shape) < keep_prob\n"
            "out = a * mask / keep_prob",
        )
        shapes = cached.mask_shapes(keep_prob, seed)
        n, d = shapes.masks[core.MASK_SHAPES[2]].shape
        columns = st.columns(3)
        for column, label in zip(columns, core.MASK_SHAPES, strict=True):
            kind = shapes.kinds[label]
            with column:
                st.plotly_chart(figures.mask_figure(shapes.masks[label], f"{label}: {kind}"), width="stretch",
                                key=f"pitfalls_mask_{kind.replace(' ', '_')}")
        table = pd.DataFrame(
            [[shapes.units_without_gradient[k] for k in core.MASK_SHAPES],
             [shapes.examples_without_gradient[k] for k in core.MASK_SHAPES]],
            index=pd.Index(["units, no gradient", "examples, no gradient"], name="mask shape"),
            columns=list(core.MASK_SHAPES))
        columns = st.columns([3, 2])
        with columns[0]:
            st.plotly_chart(figures.kept_fractions_figure(shapes.per_example, shapes.per_unit, keep_prob),
                            width="stretch", key="pitfalls_kept_fractions")
        with columns[1]:
            st.markdown(f"**What the minibatch gradient gets** ({n} examples × {d} units)")
            st.dataframe(table, width="stretch", key="pitfalls_shape_table")
            st.caption(
                "Backward multiplies the upstream gradient by the same mask / keep_prob, so a unit dropped in every "
                "example gets no gradient at all this step, and an example with every unit dropped contributes "
                "nothing. (N, 1) turns dropout into dropping examples (a smaller batch); (1, D) trains one thinned "
                "network per step instead of a different one per example."
            )
        transposed = {shape: core.mask_shape_kind(shape, (d, n), example_axis=1) for shape in ((d, 1), (1, n))}
        st.caption(
            f"Course notebooks often store activations transposed, as (units, examples) = ({d}, {n}). There "
            f"`np.random.rand(A.shape[0], A.shape[1]) < keep_prob` is right, `({d}, 1)` drops "
            f"{transposed[(d, 1)]} (the same units for every example) and `(1, {n})` drops {transposed[(1, n)]}."
        )
        spot("check `mask.shape == a.shape`: broadcasting silently accepts a mask with a 1 in it.")

with tabs[2]:
    if tabs[2].open:
        bug_and_fix(
            "# keeps with probability 1 - keep_prob\n"
            "mask = rng.random(a.shape) > keep_prob\n"
            "out = a * mask / keep_prob",
            "# keeps with probability keep_prob\n"
            "mask = rng.random(a.shape) < keep_prob\n"
            "out = a * mask / keep_prob",
        )
        case, grid, ratio = cached.flipped(keep_prob, seed)
        columns = st.columns([3, 2])
        with columns[0]:
            st.plotly_chart(figures.flipped_bias_figure(grid, ratio, keep_prob, case.measured_ratio,
                                                        case.standard_error),
                            width="stretch", key="pitfalls_flipped")
        with columns[1]:
            st.metric("fraction the buggy masks keep", f"{case.buggy_kept_fraction:.3f}",
                      help=f"Over {case.n_masks} masks of {case.activations.size} units; 1 − keep_prob = "
                           f"{1 - keep_prob:.2f}.")
            st.metric("fraction the right masks keep", f"{case.right_kept_fraction:.3f}")
            if keep_prob > 0:
                st.metric("E[buggy] ÷ E[right] = (1 − keep_prob) / keep_prob", f"{case.expected_ratio:.3f}")
                st.metric(f"measured over {case.n_masks} masks (± 2 SE)",
                          f"{case.measured_ratio:.3f} ± {2 * case.standard_error:.3f}")
            st.markdown(core.flipped_summary(keep_prob))
        spot("print `mask.mean()` at a keep_prob such as 0.8: it must be about 0.8, not 0.2. At 0.5 every "
             "statistic looks right.")

with tabs[3]:
    if tabs[3].open:
        bug_and_fix(
            "model.train()\n"
            "for x, y in batches:\n"
            "    # dropout on: thinned networks\n"
            "    loss = loss_fn(model(x), y)\n"
            "    total += loss.item() * len(x)\n"
            "# then compared with val_loss:\n"
            "train_loss = total / n",
            "# dropout off, as for val_loss\n"
            "model.eval()\n"
            "with torch.no_grad():\n"
            "    out = model(X_train)\n"
            "    train_loss = loss_fn(out, y_train)",
        )
        with st.spinner("Training the Training lab's network for this keep_prob and seed (once)…"):
            curves, gap = cached.loss_curves(keep_prob, seed)
        columns = st.columns([3, 2])
        with columns[0]:
            st.plotly_chart(figures.loss_figure(curves["epoch"], curves["train_loss"], curves["train_loss_eval"],
                                                curves["test_loss"], keep_prob),
                            width="stretch", key="pitfalls_losses")
        with columns[1]:
            st.metric("training loss as reported (dropout on)", f"{gap.train_loss:.4f}")
            st.metric("training loss, dropout off", f"{gap.train_loss_eval:.4f}")
            st.metric("test loss", f"{gap.test_loss:.4f}")
            st.markdown(core.loss_summary(gap, keep_prob))
        st.caption(f"The Training lab's run at its defaults (1000 training images, 40 epochs, hidden keep_prob "
                   f"{keep_prob:.2f}, seed {seed}). The reported loss is the mean over the epoch's minibatches, each "
                   "through its own random masks; the two others are measured after the epoch with dropout off.")
        st.page_link("pages/training_lab.py", icon=":material/arrow_forward:",
                     label="The run itself: Training lab")
        spot("measure the training loss the way you measure the validation loss (model.eval()); a training loss "
             "above the validation loss only while dropout is on is the measurement, not a leak.")

with tabs[4]:
    if tabs[4].open:
        bug_and_fix(
            "nn.Sequential(\n"
            "    nn.Linear(64, 256), nn.ReLU(),\n"
            f"    nn.Dropout(p={drop:.2f}),\n"
            "    nn.Linear(256, 256),\n"
            "    # BatchNorm after the dropout:\n"
            "    nn.BatchNorm1d(256), nn.ReLU(),\n"
            "    nn.Linear(256, 10))",
            "nn.Sequential(\n"
            "    nn.Linear(64, 256),\n"
            "    nn.BatchNorm1d(256), nn.ReLU(),\n"
            "    nn.Linear(256, 256),\n"
            "    nn.BatchNorm1d(256), nn.ReLU(),\n"
            "    # dropout after the last BN:\n"
            f"    nn.Dropout(p={drop:.2f}),\n"
            "    nn.Linear(256, 10))",
        )
        shift, densities, centres, curve = cached.variance_shift(keep_prob, seed)
        columns = st.columns(2)
        with columns[0]:
            st.plotly_chart(figures.train_variance_figure(curve[:, 0], curve[:, 1], shift.test_variance_formula,
                                                          keep_prob, shift.train_variance_measured,
                                                          shift.train_variance_se),
                            width="stretch", key="pitfalls_bn_variance")
        with columns[1]:
            st.plotly_chart(figures.bn_output_figure(centres, densities, shift.bug_output_std), width="stretch",
                            key="pitfalls_bn_output")
        metrics = st.columns(4)
        metrics[0].metric("BN's running variance (training)",
                          f"{shift.train_variance_measured:.3f}" if keep_prob > 0 else "0")
        metrics[1].metric("the formula's value", f"{shift.train_variance_formula:.3f}" if keep_prob > 0 else
                          "undefined", help="(σ² + μ²) / keep_prob − μ², the variance after inverted dropout.")
        metrics[2].metric("variance at test time (σ²)", f"{shift.test_variance_measured:.3f}")
        metrics[3].metric("BN output std at test time", f"{shift.bug_output_std:.2f}" if keep_prob > 0 else
                          "undefined", help="1 with the fix.")
        st.markdown(core.variance_summary(shift))
        st.caption(
            f"One unit with activation x ~ N(μ = {shift.mean:g}, σ² = {shift.std ** 2:g}) before dropout, "
            f"{shift.n_samples:,} samples. BatchNorm keeps running estimates of its input's mean and variance in "
            "training and normalises with them in eval mode. Inverted dropout keeps the mean (μ), so only the "
            "variance shifts. Li, Chen, Hu and Yang (CVPR 2019) call this the variance shift."
        )
        here = (f"here both are {shift.test_variance_measured:.2f}: at keep_prob 1 dropout does nothing"
                if keep_prob == 1 else
                f"here {shift.train_variance_measured:.2f} against {shift.test_variance_measured:.2f}")
        spot("compare a BatchNorm's `running_var` with the variance of its input at test time: with dropout right "
             f"before it they differ ({here}).")

with tabs[5]:
    if tabs[5].open:
        bug_and_fix(
            "z = x @ W + b\n"
            "# a dropped unit outputs 0.5:\n"
            "a = sigmoid(dropout(z))",
            "z = x @ W + b\n"
            "# a dropped unit outputs 0:\n"
            "a = dropout(sigmoid(z))",
        )
        order = cached.activation_order(keep_prob, seed)
        columns = st.columns(3)
        for column, name in zip(columns, core.ACTIVATIONS, strict=True):
            with column:
                st.plotly_chart(figures.order_figure(name, order.after[name], order.before[name], order.mask,
                                                     order.max_difference[name]),
                                width="stretch", key=f"pitfalls_order_{name}")
        st.markdown(core.order_summary(order))
        st.latex(r"\mathrm{ReLU}\!\left(\frac{m z}{\mathrm{keep\_prob}}\right) = "
                 r"\frac{m\,\mathrm{ReLU}(z)}{\mathrm{keep\_prob}}")
        st.caption(f"Exact because m / keep_prob ≥ 0, and ReLU(c·z) = c·ReLU(z) for every c ≥ 0. One layer of "
                   f"{order.pre_activations.size} units, pre-activations z, and one mask shared by both orders. "
                   "Dropout belongs after the activation: then a dropped unit sends 0 whatever the function.")
        spot("with a sigmoid or tanh, look at what a dropped unit outputs: it must be exactly 0.")

def tables() -> dict:
    """The views' small arrays as CSV downloads (built only while the tools section is open)."""
    order = cached.activation_order(keep_prob, seed)
    return {
        "mask (N, D)": cached.mask_shapes(keep_prob, seed).masks["(N, D)"],
        "activation order": pd.DataFrame({
            "z": order.pre_activations, "kept": order.mask,
            **{f"{name} after": order.after[name] for name in core.ACTIVATIONS},
            **{f"{name} before": order.before[name] for name in core.ACTIVATIONS},
        }),
    }


lesson_tools(
    "pitfalls", keys=(VIEW_KEY,), tables=tables,
    code=(core.dropout_left_on, core.mask_shapes, core.flipped_case, core.loss_gap, core.variance_shift,
          core.activation_order),
)
