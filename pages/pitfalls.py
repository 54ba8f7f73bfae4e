"""Practice, Pitfalls: the dropout bugs people ship, each as the buggy line, what it does (live), the fix and
how to spot it."""

import pandas as pd
import streamlit as st

from core import pitfalls as core
from ui.cached import pitfalls as cached
from ui.components import lesson_tools
from ui.figures import pitfalls as figures
from ui.figures.training import digit_grid
from ui.live import Metric, fallback_notice, keep_prob_states, live_chart, live_metrics, not_live_notice
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


def metrics(key: str, build, *, live: bool = True, per_row: int | None = None) -> None:
    """A view's numbers: live (following the slider) or, for a view that cannot be live, drawn for keep_prob."""
    live_metrics(key, build, keep_prob, depends_on=(seed,), per_row=per_row, live=live)


def lab_network_live() -> bool:
    """Whether the views on the Training lab's network can be live: its run at every slider value is at hand
    untrained (the disk store of precomputed runs, or memory). Otherwise say why the view is not live."""
    states = keep_prob_states(keep_prob)
    ready = cached.lab_networks_ready(states, seed)
    if not ready:
        not_live_notice(f"this view reads the Training lab's network trained at each keep_prob, and for seed {seed} "
                        f"it is not yet trained at all {len(states)} values of the slider (training them on a page "
                        "view would take too long).")
    return ready


fallback_notice()
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
        live = lab_network_live()

        def digit_at(q: float):
            case_q = cached.dropout_left_on(q, seed)
            return digit_grid(case_q.image[None, :], [case_q.label], [case_q.eval_prediction],
                              title=f"Test image {case_q.image_index}", columns=1, height=260)

        def calls_at(q: float):
            case_q = cached.dropout_left_on(q, seed)
            return figures.calls_figure(case_q.call_proba, case_q.eval_proba, case_q.image_index)

        def left_on_numbers(q: float) -> list[Metric]:
            case_q = cached.dropout_left_on(q, seed)
            mean_on = float(case_q.errors_on.mean())
            return [
                Metric("test error, dropout off", f"{100 * case_q.error_off:.2f}%"),
                Metric("test error, dropout on", f"{100 * mean_on:.2f}%",
                       help=f"The mean over {case_q.errors_on.size} calls on all 797 test images.",
                       delta=f"{100 * (mean_on - case_q.error_off):+.2f} points", delta_color="inverse"),
                Metric("test images that change answer", f"{100 * case_q.unstable_fraction:.1f}%",
                       help=f"Share of the 797 test images that get more than one answer in "
                            f"{case_q.errors_on.size} calls with dropout on."),
            ]

        columns = st.columns([1, 3])
        with columns[0]:
            live_chart("pitfalls_digit", digit_at, keep_prob, depends_on=(seed,), live=live)
            st.caption("Its true digit → the prediction with dropout off.")
        with columns[1]:
            live_chart("pitfalls_calls", calls_at, keep_prob, depends_on=(seed,), live=live)
        metrics("pitfalls_left_on_metrics", left_on_numbers, live=live)
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
            kind = shapes.kinds[label]  # what the shape drops: the same at every keep_prob
            with column:
                live_chart(f"pitfalls_mask_{kind.replace(' ', '_')}",
                           lambda q, label=label, kind=kind: figures.mask_figure(
                               cached.mask_shapes(q, seed).masks[label], f"{label}: {kind}"),
                           keep_prob, depends_on=(seed,))
        table = pd.DataFrame(
            [[shapes.units_without_gradient[k] for k in core.MASK_SHAPES],
             [shapes.examples_without_gradient[k] for k in core.MASK_SHAPES]],
            index=pd.Index(["units, no gradient", "examples, no gradient"], name="mask shape"),
            columns=list(core.MASK_SHAPES))
        columns = st.columns([3, 2])
        with columns[0]:
            def fractions_at(q: float):
                shapes_q = cached.mask_shapes(q, seed)
                return figures.kept_fractions_figure(shapes_q.per_example, shapes_q.per_unit, q)

            live_chart("pitfalls_kept_fractions", fractions_at, keep_prob, depends_on=(seed,))
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
            f"a mask of `A.shape` (`rng.random(A.shape) < keep_prob`) is right, `({d}, 1)` drops "
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
        def flipped_at(q: float):
            case_q, grid, ratio = cached.flipped(q, seed)
            return figures.flipped_bias_figure(grid, ratio, q, case_q.measured_ratio, case_q.standard_error)

        def flipped_numbers(q: float) -> list[Metric]:
            case_q = cached.flipped(q, seed)[0]
            return [
                Metric("fraction the buggy masks keep", f"{case_q.buggy_kept_fraction:.3f}",
                       help=f"Over {case_q.n_masks} masks of {case_q.activations.size} units; about 1 − keep_prob."),
                Metric("fraction the right masks keep", f"{case_q.right_kept_fraction:.3f}",
                       help="About keep_prob."),
                Metric("E[buggy] ÷ E[right] = (1 − keep_prob) / keep_prob",
                       f"{case_q.expected_ratio:.3f}" if q > 0 else "undefined",
                       help="Undefined at keep_prob 0, where both layers would divide by 0."),
                Metric(f"measured over {case_q.n_masks} masks (± 2 SE)",
                       f"{case_q.measured_ratio:.3f} ± {2 * case_q.standard_error:.3f}" if q > 0 else "undefined"),
            ]

        columns = st.columns([3, 2])
        with columns[0]:
            live_chart("pitfalls_flipped", flipped_at, keep_prob, depends_on=(seed,))
        with columns[1]:
            metrics("pitfalls_flipped_metrics", flipped_numbers, per_row=1)
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
        live = lab_network_live()

        def losses_at(q: float):
            curves_q = cached.loss_curves(q, seed)[0]
            return figures.loss_figure(curves_q["epoch"], curves_q["train_loss"], curves_q["train_loss_eval"],
                                       curves_q["test_loss"], q)

        def loss_numbers(q: float) -> list[Metric]:
            gap_q = cached.loss_curves(q, seed)[1]
            return [Metric("training loss as reported (dropout on)", f"{gap_q.train_loss:.4f}"),
                    Metric("training loss, dropout off", f"{gap_q.train_loss_eval:.4f}"),
                    Metric("test loss", f"{gap_q.test_loss:.4f}")]

        columns = st.columns([3, 2])
        with columns[0]:
            live_chart("pitfalls_losses", losses_at, keep_prob, depends_on=(seed,), live=live)
        with columns[1]:
            metrics("pitfalls_loss_metrics", loss_numbers, live=live, per_row=1)
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
        shift = cached.variance_shift(keep_prob, seed)[0]

        def variance_at(q: float):
            shift_q, _, _, curve = cached.variance_shift(q, seed)
            return figures.train_variance_figure(curve[:, 0], curve[:, 1], shift_q.test_variance_formula, q,
                                                 shift_q.train_variance_measured, shift_q.train_variance_se)

        def bn_output_at(q: float):
            shift_q, densities, centres, _ = cached.variance_shift(q, seed)
            return figures.bn_output_figure(centres, densities, shift_q.bug_output_std)

        def bn_numbers(q: float) -> list[Metric]:
            shift_q = cached.variance_shift(q, seed)[0]
            return [
                Metric("BN's running variance (training)", f"{shift_q.train_variance_measured:.3f}" if q > 0 else "0"),
                Metric("the formula's value", f"{shift_q.train_variance_formula:.3f}" if q > 0 else "undefined",
                       help="(σ² + μ²) / keep_prob − μ², the variance after inverted dropout."),
                Metric("variance at test time (σ²)", f"{shift_q.test_variance_measured:.3f}"),
                Metric("BN output std at test time", f"{shift_q.bug_output_std:.2f}" if q > 0 else "undefined",
                       help="1 with the fix."),
            ]

        columns = st.columns(2)
        with columns[0]:
            live_chart("pitfalls_bn_variance", variance_at, keep_prob, depends_on=(seed,))
        with columns[1]:
            live_chart("pitfalls_bn_output", bn_output_at, keep_prob, depends_on=(seed,))
        metrics("pitfalls_bn_metrics", bn_numbers)
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
                def order_at(q: float, name=name):
                    order_q = cached.activation_order(q, seed)
                    return figures.order_figure(name, order_q.after[name], order_q.before[name], order_q.mask,
                                                order_q.max_difference[name])

                live_chart(f"pitfalls_order_{name}", order_at, keep_prob, depends_on=(seed,))
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
