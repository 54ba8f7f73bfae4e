"""Lesson "Training lab": dropout regularising a real network on the 8x8 digits, and on a 2-D toy set."""

import functools

import streamlit as st

from core import mlp
from ui import training_text as text
from ui.cached import store
from ui.cached import training as cached
from ui.components import lesson_tools
from ui.figures import training as figures
from ui.live import GRID_SIZE, Metric, fallback_notice, keep_prob_states, live_chart, live_metrics, not_live_notice
from ui.state import DEFAULT_SEED, check_query_param, lesson_settings, parse_choice, parse_float, parse_int, view_tabs

SIZE_KEY = "lab_train_size"
INPUT_KEY = "lab_keep_prob_input"
EPOCHS_KEY = "lab_epochs"
WIDTH_KEY = "lab_width"
SHAPE_KEY = "lab_shape"
NOISE_KEY = "lab_noise"
POINTS_KEY = "lab_points"
SWEEP_FLAG = "lab_sweep_requested"
VIEW_KEY = "lab_view"
VIEWS = ("Learning curves", "Misclassified digits", "keep_prob sweep", "Decision boundaries")


def _one_of(options):
    """A parser accepting exactly one of the (integer) options, written as a whole number."""
    return lambda raw: raw if parse_int(raw, min(options), max(options)) in options else None


def _metric_row(key: str, build, live: bool, depends_on: tuple) -> None:
    """A row of headline numbers: live (following the slider) when the view is, else drawn for keep_prob."""
    live_metrics(key, build, keep_prob, depends_on=depends_on, live=live)


def _not_live(coverage: cached.Coverage) -> None:
    """The caption of a view whose results are not all stored: why its charts follow keep_prob on release only."""
    not_live_notice(text.not_live_reason(
        "This view's networks", stored=coverage.stored, needed=coverage.needed,
        store_on=store.store_dir() is not None, on_grid=len(states) == GRID_SIZE, keep_prob=keep_prob,
        default_settings=coverage.default_settings, seed=coverage.seed, default_seed=DEFAULT_SEED))


def curve_metrics(with_dropout, without_dropout) -> list[Metric]:
    """The learning curves' headline numbers, from the two runs' histories after the last epoch."""
    final_with, final_without = with_dropout.iloc[-1], without_dropout.iloc[-1]
    gap_without = final_without["test_error"] - final_without["train_error"]
    return [
        Metric("test error, no dropout", f"{100 * final_without['test_error']:.2f}%"),
        Metric("test error, dropout", f"{100 * final_with['test_error']:.2f}%",
               delta=f"{100 * (final_with['test_error'] - final_without['test_error']):+.2f} points",
               delta_color="inverse"),
        Metric("gap, no dropout", f"{100 * gap_without:.2f} points"),
        Metric("gap, dropout", f"{100 * (final_with['test_error'] - final_with['train_error']):.2f} points",
               help="Test error minus train error after the last epoch."),
    ]


settings = lesson_settings()
keep_prob = settings.keep_prob
states = keep_prob_states(keep_prob)  # what a live chart is computed at: the slider's 21 values

st.title("Training lab")
st.markdown(
    """
The earlier lessons looked at one mask. Here a whole network learns: a ReLU network with two
hidden layers reads the 8×8 handwritten digits (1797 images; 797 of them are held out for
testing, chosen at random by the sidebar's seed and the same for every other setting) and is
trained twice from the **same initial weights on the same minibatches**, once with dropout
(hidden layers keep each unit with the sidebar's `keep_prob`) and once without. When dropout
keeps enough units, both drive the training error to about 0; what dropout changes is the
**generalisation gap**, how much worse the network does on images it has never seen:
"""
)
st.latex(r"\text{gap} = \text{test error} - \text{train error}")

check_query_param(SIZE_KEY, _one_of(cached.DIGITS_TRAIN_SIZES),
                  "one of " + ", ".join(map(str, cached.DIGITS_TRAIN_SIZES)))
check_query_param(INPUT_KEY, lambda raw: parse_float(raw, 0.5, 1.0), "a number from 0.5 to 1")
check_query_param(EPOCHS_KEY, lambda raw: parse_int(raw, cached.MIN_EPOCHS, cached.MAX_EPOCHS),
                  f"a whole number from {cached.MIN_EPOCHS} to {cached.MAX_EPOCHS}")
check_query_param(WIDTH_KEY, _one_of(cached.HIDDEN_WIDTHS), "one of " + ", ".join(map(str, cached.HIDDEN_WIDTHS)))
controls = st.columns(4)
with controls[0]:
    n_train = st.select_slider("training images", options=cached.DIGITS_TRAIN_SIZES, value=cached.DEFAULT_TRAIN_SIZE,
                               key=SIZE_KEY, bind="query-params",
                               help="How many digits the network learns from: the first ones of the seed's 1000 "
                                    "training images (the 797 test images stay the same).")
with controls[1]:
    keep_prob_input = st.slider("keep_prob of the input pixels", min_value=0.5, max_value=1.0,
                                value=cached.DEFAULT_KEEP_PROB_INPUT, step=0.05, key=INPUT_KEY, bind="query-params",
                                help="Dropout on the 64 input pixels of the dropout run (1 = off). The paper used "
                                     "0.8 on MNIST. The hidden layers use the sidebar's keep_prob.")
with controls[2]:
    epochs = st.slider("epochs", min_value=cached.MIN_EPOCHS, max_value=cached.MAX_EPOCHS,
                       value=cached.DEFAULT_EPOCHS, step=5, key=EPOCHS_KEY, bind="query-params",
                       help=f"Passes over the training images ({mlp.describe_recipe(cached.RECIPE)}).")
with controls[3]:
    width = st.select_slider("units per hidden layer", options=cached.HIDDEN_WIDTHS, value=cached.DEFAULT_WIDTH,
                             key=WIDTH_KEY, bind="query-params", help="Two hidden layers of this many ReLU units.")

run = cached.DigitsRun(int(n_train), keep_prob, round(float(keep_prob_input), 2), int(epochs), int(width),
                       settings.seed)
st.caption(
    f"Network 64 → {width} → {width} → 10, hidden keep_prob {keep_prob:.2f} (PyTorch `nn.Dropout(p="
    f"{1 - keep_prob:.2f})`), input keep_prob {keep_prob_input:.2f}, inverted dropout, He initialisation, "
    f"softmax cross-entropy, {mlp.describe_recipe(cached.RECIPE)}. Errors and test loss are measured with dropout "
    "off (weight scaling).",
    help=text.recipe_glossary(cached.RECIPE),
)
if keep_prob == 0.0:
    st.warning("**keep_prob = 0: every hidden unit is dropped in every step.** No signal reaches the output, so "
               "the dropout run cannot learn: its curves stay near chance (90% error). Try 0.5.",
               icon=":material/block:")
elif keep_prob == 1.0 and keep_prob_input == 1.0:
    st.info("**keep_prob = 1: nothing is dropped**, so the two runs are the same run and their curves coincide. "
            "Lower keep_prob in the sidebar to see dropout at work.", icon=":material/check_circle:")

notice = None  # "What to notice", from the numbers of the open view
curves_tab, digits_tab, sweep_tab, toy_tab = view_tabs(VIEWS, key=VIEW_KEY)
fallback_notice()
# The digits views are live when the run and its no-dropout partner are stored at every keep_prob of the slider.
digits_live = cached.digits_coverage(run, states)
digits_depends = (run.n_train, run.keep_prob_input, run.epochs, run.width, run.seed)
curve_options = {"keep_prob_input": run.keep_prob_input, "epochs": run.epochs}


def histories_at(q: float):
    """The histories (with dropout, without) of these settings at keep_prob q: from the store in a live view."""
    at_q = run.at(q)
    return cached.digits_result(at_q).history, cached.digits_result(at_q.without_dropout()).history


with curves_tab:
    if curves_tab.open:
        curve_columns = st.columns(2)
        if digits_live.complete:
            with curve_columns[0]:
                live_chart("lab_errors", lambda q: figures.error_curves(*histories_at(q), keep_prob=q, **curve_options),
                           keep_prob, depends_on=digits_depends)
            with curve_columns[1]:
                live_chart("lab_losses", lambda q: figures.loss_curves(*histories_at(q), keep_prob=q, **curve_options),
                           keep_prob, depends_on=digits_depends)
            with_dropout, without_dropout = (cached.digits_result(r) for r in (run, run.without_dropout()))
        else:
            error_slot, loss_slot = curve_columns[0].empty(), curve_columns[1].empty()
            progress_slot = st.empty()
            for step, (with_dropout, without_dropout, done) in enumerate(cached.paired_stream(run)):
                suffix = "" if done else f"_{step}"  # a chart redrawn while training needs a fresh key per draw
                options = {"keep_prob": keep_prob, **curve_options}
                error_slot.plotly_chart(figures.error_curves(with_dropout.history, without_dropout.history, **options),
                                        width="stretch", key=f"lab_errors{suffix}", theme=None)
                loss_slot.plotly_chart(figures.loss_curves(with_dropout.history, without_dropout.history, **options),
                                       width="stretch", key=f"lab_losses{suffix}", theme=None)
                trained = min(len(with_dropout.history), len(without_dropout.history))
                if done:
                    progress_slot.empty()
                else:
                    progress_slot.progress(trained / run.epochs, text=f"Training both networks: epoch {trained} of "
                                                                      f"{run.epochs}")
            _not_live(digits_live)

        _metric_row("lab_curve_metrics", lambda q: curve_metrics(*histories_at(q)), digits_live.complete,
                    digits_depends)
        final_with, final_without = with_dropout.history.iloc[-1], without_dropout.history.iloc[-1]
        zero_fraction, _ = cached.sparsity(run)  # per model ("no dropout", then the dropout run), per layer
        # At keep_prob 0 the warning above has said why.
        if 0.0 < keep_prob < 1.0 and final_with["train_error"] >= text.NOT_LEARNED:
            *_, dropout_zero_fraction = zero_fraction.values()
            silent = max(dropout_zero_fraction)  # the largest share of a layer's ReLU outputs at 0
            st.warning(
                f"**The dropout network has not learned:** after {run.epochs} epochs it still gets "
                f"{100 * final_with['train_error']:.0f}% of its own training images wrong (guessing gets 90%). "
                f"With keep_prob {keep_prob:.2f} each step keeps about {keep_prob * run.width:.0f} of the {run.width} "
                f"units of a layer and multiplies them by {1 / keep_prob:.3g}. "
                + (f"Its hidden units have gone silent: {100 * silent:.0f}% of a layer's ReLU outputs are 0 on the "
                   "test images (the chart \"Share of hidden units that are off\" below), so almost no signal "
                   "reaches the output. "
                   if silent >= text.SILENT else "")
                + "Srivastava et al. kept 0.5 to 0.8 of the hidden units; try a larger keep_prob"
                + (" (more epochs rarely help: a unit whose ReLU is 0 on every image gets no gradient)."
                   if silent >= text.SILENT
                   else ", or more epochs."),
                icon=":material/trending_flat:",
            )
        scatter = cached.SEED_SCATTER[run.n_train]
        st.caption("Left: errors of the network after each epoch, measured with dropout off. Right: the dotted "
                   "curves are the training objective, the mean loss of the epoch's minibatches with dropout on (as "
                   "trained)" + ("; the dash-dot curve is the dropout network's training loss measured with dropout "
                                 "off. " if keep_prob < 1.0 or run.keep_prob_input < 1.0 else ". ") +
                   f"One test image is {100 / text.TEST_IMAGES:.2f} points of error, and with {run.n_train} training "
                   f"images the test error of one run scatters by about ±{scatter:g} points from seed to seed "
                   f"(measured at {cached.DEFAULT_EPOCHS} epochs, {cached.DEFAULT_WIDTH} units): change the seed in "
                   "the sidebar before trusting a small difference.")
        st.markdown(text.loss_answer(final_with, final_without, keep_prob=keep_prob,
                                     keep_prob_input=run.keep_prob_input))
        notice = text.curves_notice(final_with, final_without, keep_prob=keep_prob,
                                    keep_prob_input=run.keep_prob_input, n_train=run.n_train, scatter=scatter)

        gap_column, sparsity_column = st.columns(2)
        with gap_column:
            live_chart("lab_gap", lambda q: figures.gap_curves(*histories_at(q), keep_prob=q, **curve_options),
                       keep_prob, depends_on=digits_depends, live=digits_live.complete)
        with sparsity_column:
            live_chart("lab_sparsity", lambda q: figures.sparsity_figure(cached.sparsity(run.at(q))[0]), keep_prob,
                       depends_on=digits_depends, live=digits_live.complete)
        st.caption("Right: on the test images (dropout off), the share of hidden units whose ReLU output is exactly 0. "
                   "Srivastava et al. found that dropout makes hidden activations sparser: a unit that cannot rely on "
                   "its neighbours learns to fire for fewer, more specific patterns. "
                   + text.sparsity_sentence(zero_fraction))
with digits_tab:
    if digits_tab.open:
        st.subheader("Digits the dropout network gets wrong")

        def misclassified_at(q: float):
            images, true_labels, predicted, n_wrong, n_wrong_without = cached.misclassified(run.at(q))
            return figures.digit_grid(images, true_labels, predicted,
                                      title=f"Misclassified test digits ({n_wrong} of {text.TEST_IMAGES}; no "
                                            f"dropout: {n_wrong_without}), true → predicted")

        with st.spinner("Training the two networks of these settings (once: they are remembered)"):
            images, true_labels, predicted, n_wrong, n_wrong_without = cached.misclassified(run)
        live_chart("lab_misclassified", misclassified_at, keep_prob, depends_on=digits_depends,
                   live=digits_live.complete)
        if not digits_live.complete:
            _not_live(digits_live)
        st.caption("Read them as a person would: at 8×8 pixels many are ambiguous even to us; compare each image with "
                   "its true and its predicted digit." + (f" Only the first {len(images)} of {n_wrong} are shown."
                                                          if len(images) < n_wrong else ""))
        notice = text.misclassified_notice(n_wrong, n_wrong_without, cached.SEED_SCATTER[run.n_train],
                                           same_network=run.key() == run.without_dropout().key())

        with st.expander("Unit activity: mean activation of every unit of the last hidden layer"):
            live_chart("lab_unit_activity", lambda q: figures.unit_activity_figure(cached.sparsity(run.at(q))[1]),
                       keep_prob, depends_on=digits_depends, live=digits_live.complete)
with sweep_tab:
    if sweep_tab.open:
        st.subheader("How much to drop: a keep_prob sweep")
        st.markdown(
            f"""
Twelve small networks ({cached.SWEEP_EPOCHS} epochs each, the training images chosen above), two designs as in the
original paper's figure 9: **fixed n** keeps {cached.SWEEP_BASE_WIDTH} units per hidden layer whatever
keep_prob is, so a low keep_prob leaves few units working in each step; **fixed keep_prob × n** widens the layers
to {cached.SWEEP_BASE_WIDTH} / keep_prob units, so that about {cached.SWEEP_BASE_WIDTH} units are kept on average.
"""
        )
        if st.button("Run the sweep", key="lab_sweep", icon=":material/play_arrow:",
                     help="Trains 12 networks (a few seconds to half a minute); results are remembered."):
            st.session_state[SWEEP_FLAG] = True
        if st.session_state.get(SWEEP_FLAG):
            plan = cached.sweep_plan()
            bar = st.progress(0.0, text="Training the sweep")
            rows = []
            for i, (design, q, units) in enumerate(plan):
                rows.append((design, q, units, *cached.sweep_point(int(n_train), q, units, settings.seed)))
                bar.progress((i + 1) / len(plan), text=f"Training the sweep: {i + 1} of {len(plan)} networks")
            bar.empty()
            # The sweep does not depend on the sidebar's keep_prob: one state, kept mounted while the slider moves.
            sweep = functools.cache(lambda: figures.sweep_figure(cached.sweep_table(rows)))  # built once, if at all
            live_chart("lab_sweep_chart", lambda q: sweep(), keep_prob,
                       depends_on=(int(n_train), settings.seed, tuple(rows)))
            notice = text.sweep_notice(cached.sweep_table(rows))
with toy_tab:
    if toy_tab.open:
        st.subheader("Decision boundaries on a 2-D toy set")
        st.markdown("Two classes in the plane and a network of two hidden layers of 128 units: far more than the "
                    "points need. Without dropout the boundary can bend around single noisy points; with dropout "
                    "(keeping enough units) it tends to be smoother.")
        check_query_param(SHAPE_KEY, parse_choice(cached.TOY_SHAPES), "moons or spirals")
        check_query_param(NOISE_KEY, lambda raw: parse_float(raw, 0.0, cached.MAX_TOY_NOISE),
                          f"a number from 0 to {cached.MAX_TOY_NOISE}")
        check_query_param(POINTS_KEY, _one_of(cached.TOY_SIZES), "one of " + ", ".join(map(str, cached.TOY_SIZES)))
        toy_controls = st.columns(3)
        with toy_controls[0]:
            shape = st.radio("shape", cached.TOY_SHAPES, horizontal=True, key=SHAPE_KEY, bind="query-params")
        with toy_controls[1]:
            noise = st.slider("noise (standard deviation)", min_value=0.0, max_value=cached.MAX_TOY_NOISE,
                              value=cached.DEFAULT_TOY_NOISE, step=0.05, key=NOISE_KEY, bind="query-params",
                              help="Gaussian jitter on every point. The spirals' arms are close together: "
                                   "try 0.1 there.")
        with toy_controls[2]:
            n_points = st.select_slider("training points", options=cached.TOY_SIZES, value=cached.DEFAULT_TOY_SIZE,
                                        key=POINTS_KEY, bind="query-params")
        noise = round(float(noise), 2)
        toy = (shape, noise, int(n_points))
        toy_live = cached.toy_coverage(*toy, settings.seed, states)
        with st.spinner("Training the two 2-D networks"):
            grid_x, grid_y, boundaries = cached.toy_boundaries(*toy, keep_prob, settings.seed)
        X_toy, _, y_toy, _ = cached.toy_data(*toy, settings.seed)

        def boundary_figure(name: str, q: float):
            """The map of the model `name` ("no dropout" or "dropout") of the toy networks at keep_prob q."""
            proba, train_error, test_error, _ = cached.toy_boundaries(*toy, q, settings.seed)[2][name]
            label = name if name == "no dropout" else f"dropout, keep_prob {q:.2f}"
            return figures.decision_boundary(
                grid_x, grid_y, proba, X_toy, y_toy,
                title=f"{label}: train {100 * train_error:.0f}%, test {100 * test_error:.1f}% error")

        boundary_columns = st.columns(2)
        with boundary_columns[0]:  # the network without dropout is the same at every keep_prob: one state
            no_dropout = functools.cache(lambda: boundary_figure("no dropout", keep_prob))  # built once, if at all
            live_chart("lab_boundary_no_dropout", lambda q: no_dropout(), keep_prob,
                       depends_on=(*toy, settings.seed), live=toy_live.complete)
        with boundary_columns[1]:
            live_chart("lab_boundary_dropout", lambda q: boundary_figure("dropout", q), keep_prob,
                       depends_on=(*toy, settings.seed), live=toy_live.complete)
        st.caption(f"Test error is measured on {cached.TOY_TEST_POINTS} fresh points from the same distribution.")
        if not toy_live.complete:
            _not_live(toy_live)
        notice = text.toy_notice(boundaries, keep_prob=keep_prob)

if notice:
    st.success(f"**What to notice:** {notice}", icon=":material/lightbulb:")

lesson_tools(
    "training_lab", keys=(SIZE_KEY, INPUT_KEY, EPOCHS_KEY, WIDTH_KEY, SHAPE_KEY, NOISE_KEY, POINTS_KEY, VIEW_KEY),
    tables=lambda: {"history with dropout": cached.digits_result(run).history,
                    "history without dropout": cached.digits_result(run.without_dropout()).history},
    code=(mlp.network_forward, mlp.network_backward, mlp.train_iter),
)
