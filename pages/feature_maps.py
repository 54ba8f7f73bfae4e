"""Lesson: dropout on convolutional feature maps. Element-wise holes are filled in by the neighbours;
spatial (channel) dropout removes whole maps; DropBlock removes contiguous blocks."""

import streamlit as st

from core import conv
from core.dropout import spatial_dropout_forward
from ui.cached.conv import BLOCK_SIZES, INDEX_MAX, SOURCE_LABELS, SOURCES, example, masks, measurements
from ui.components import lesson_tools
from ui.figures.conv import correlation_figure, information_figure, input_figure, map_grid, mask_grid
from ui.live import fallback_notice, live_chart
from ui.state import bound_int_input, check_query_param, lesson_settings, parse_choice, view_tabs

VIEW_KEY = "conv_view"
VIEWS = ("Element vs spatial", "Why", "DropBlock", "Frameworks")

settings = lesson_settings()
keep_prob, seed = settings.keep_prob, settings.seed
drop = 1.0 - keep_prob

st.title("Dropout on convolutional feature maps")
st.markdown(
    """
A convolutional layer turns a picture into **feature maps**: one 2-D map per filter (a *channel*),
each pixel saying how strongly that filter responds at that place. Neighbouring pixels of a map
look at overlapping patches of the picture, so their values are strongly correlated. Plain dropout
drops pixels one by one, and a dropped pixel's neighbours still say much of what it was: the next
layer, which looks at 3x3 patches anyway, loses less than the dropped share (*Why* measures it).
**Spatial dropout** (Tompson et al. 2015) draws one keep-or-drop decision per *map*, so a dropped
feature is gone everywhere at once.
"""
)
st.latex(
    r"\begin{gathered}\text{out}_{n,c,h,w} = \frac{a_{n,c,h,w}\, m_{n,c,h,w}}{\text{keep\_prob}} \\[4pt]"
    r"\begin{cases} m_{n,c,h,w} \sim \mathrm{Bernoulli}(\text{keep\_prob}) \text{ each on its own}"
    r" & \text{element-wise} \\ m_{n,c,h,w} = m_{n,c} \sim \mathrm{Bernoulli}(\text{keep\_prob})"
    r" \text{ for every } h, w & \text{spatial} \end{cases}\end{gathered}"
)

# --- the page's own controls ---------------------------------------------------------------------
check_query_param("conv_source", parse_choice(SOURCES), "one of " + ", ".join(SOURCES))
check_query_param("conv_relu", lambda raw: raw if raw.lower() in ("true", "false") else None, "true or false")
check_query_param("conv_block", parse_choice([str(b) for b in BLOCK_SIZES]),
                  "one of " + ", ".join(str(b) for b in BLOCK_SIZES))
source_column, index_column, relu_column, block_column = st.columns([2.3, 1, 1, 1.3])
with source_column:
    source = st.radio("Input picture", SOURCES, horizontal=True, key="conv_source", bind="query-params",
                      help="; ".join(f"**{name}**: {label}" for name, label in SOURCE_LABELS.items()))
with index_column:
    index = bound_int_input("Which digit" if source == "digit" else "Which scene", 0, INDEX_MAX, 0, key="conv_index",
                            help="A digit class (the first example of it in the data set) or a scene number.")
with relu_column:
    relu = st.toggle("ReLU", value=True, key="conv_relu", bind="query-params",
                     help="Apply a ReLU after the convolution, as a conv layer normally does; dropout then acts "
                     "on its output.")
with block_column:
    block_size = st.select_slider("DropBlock block size", BLOCK_SIZES, value=3, key="conv_block",
                                  bind="query-params",
                                  help="Side of the square blocks DropBlock drops (its curve in *Why*, its mask in "
                                       "*DropBlock*). 1 is element-wise dropout.")

shown = example(source, int(index), bool(relu))
channels = len(shown.names)
height, width = shown.maps.shape[1:]
drawn = masks(source, int(index), bool(relu), keep_prob, seed, int(block_size))
depends_on = (source, int(index), bool(relu), seed, int(block_size))  # with keep_prob, all the live charts read
fallback_notice()

# The clean maps do not depend on keep_prob: above the views, drawn once and left alone by a keep_prob move.
st.subheader("The feature maps")
picture_column, maps_column = st.columns([1.1, 3])
with picture_column:
    live_chart("conv_input", lambda q: input_figure(shown.image, "Input picture"), keep_prob, depends_on=depends_on)
    st.caption(f"{shown.label.capitalize()}, {height}×{width} pixels, convolved with {channels} fixed 3×3 "
               f"filters: {conv.describe_filter_bank(shown.names)}.")
with maps_column:
    live_chart("conv_clean_maps", lambda q: map_grid(shown.maps, shown.names,
                                                     f"{channels} channels: one feature map per filter"),
               keep_prob, depends_on=depends_on)

masks_tab, why_tab, dropblock_tab, frameworks_tab = view_tabs(VIEWS, key=VIEW_KEY)
with masks_tab:
    if masks_tab.open:
        st.subheader(f"The same maps, the same keep_prob = {keep_prob:.2f}, two kinds of mask")
        element_kept, element_total = drawn.kept_pixels("element")
        maps_kept = drawn.kept_maps()
        element_column, channel_column = st.columns(2)
        with element_column:
            st.markdown("**Element-wise dropout** (`nn.Dropout`, `layers.Dropout`): every pixel on its own")
            live_chart("conv_element_maps", lambda q: map_grid(
                shown.maps, shown.short_names, "After element-wise dropout: one draw per pixel",
                kept=masks(source, int(index), bool(relu), q, seed, int(block_size)).element, height=320,
                colorbar=False), keep_prob, depends_on=depends_on)
            st.caption(f"{element_kept} of {element_total} pixels kept. " + (
                "Nothing is dropped." if element_kept == element_total else
                "Everything is dropped." if element_kept == 0 else
                "Every map keeps pixels all over its shape, with scattered holes between them."
                if 2 * element_kept >= element_total else
                "Most pixels are dropped; the few kept ones are scattered over every map."))
        with channel_column:
            st.markdown("**Spatial (channel) dropout** (`nn.Dropout2d`, `layers.SpatialDropout2D`): whole maps")
            live_chart("conv_channel_maps", lambda q: map_grid(
                shown.maps, shown.short_names, "After spatial dropout: one draw per map",
                kept=masks(source, int(index), bool(relu), q, seed, int(block_size)).channel_maps, height=320,
                colorbar=False), keep_prob, depends_on=depends_on)
            st.caption(f"{maps_kept} of {channels} maps kept. " + (
                "Nothing is dropped." if maps_kept == channels else
                "A dropped feature is missing everywhere; no neighbour can stand in for it."))
        st.caption(
            f"Grey = dropped (each grid shows its mask that way); white = an activation of 0, red = positive, blue = "
            f"negative (the colour scale of the maps above). Kept values are drawn before the 1/keep_prob rescale, "
            f"which multiplies every kept value by the same {1 / keep_prob if keep_prob > 0 else 0:.2f} and would "
            f"only change the colour scale."
            if 0 < keep_prob < 1 else
            "Nothing is grey: at keep_prob 1 no pixel and no map is dropped, and the 1/keep_prob rescale is 1. White "
            "= an activation of 0, red = positive, blue = negative (the colour scale of the maps above)."
            if keep_prob >= 1 else
            "Grey = dropped. At keep_prob 0 both kinds of dropout remove everything: nothing reaches the next layer "
            "(and nothing is learned through this layer)."
        )

with why_tab:
    if why_tab.open:
        st.subheader("Why: the measured reason")
        measured = measurements(source, bool(relu), int(block_size), seed)
        at_current = measured.at(keep_prob)
        corr_column, info_column = st.columns(2)
        with corr_column:
            live_chart("conv_correlation", lambda q: correlation_figure(
                measured.distances, measured.correlation, shown.names, input_correlation=measured.input_correlation),
                keep_prob, depends_on=depends_on)
            st.caption(f"Over {measured.n_images} pictures: pairs of activations d pixels apart (across or down) in "
                       f"the same map. {measured.nearest_correlation_sentence(shown.names)}")
        with info_column:
            live_chart("conv_information", lambda q: information_figure(
                measured.keep_probs, measured.information, q, block_size=int(block_size)),
                keep_prob, depends_on=depends_on)
            st.caption("Over the same pictures, with fresh masks at every keep_prob (200 per point for the channel "
                       "curve). "
                       "Spatial dropout lies on the dotted diagonal: whatever it drops, no neighbour can give back.")
        st.markdown("**Information left** counts a kept pixel as fully there and a dropped pixel as what the mean "
                    "of its "
                    "surviving 3×3 neighbours (same map) says about it. It is taken per channel (sums over pictures "
                    "and pixels) and averaged over the channels, so every filter counts the same:")
        st.latex(r"\text{information left} = \frac{1}{C}\sum_c \Bigl(1 - \frac{\sum_{n,h,w} (\hat a - a)^2}"
                 r"{\sum_{n,h,w} a^2}\Bigr),\qquad \hat a = \begin{cases} a & \text{kept} \\ \text{mean of kept "
                 r"neighbours (0 if none)} & \text{dropped}\end{cases}")
        if keep_prob >= 1.0:
            st.info("At keep_prob 1 nothing is dropped: all the information is there under any mask.",
                    icon=":material/info:")
        elif keep_prob <= 0.0:
            st.info("At keep_prob 0 everything is dropped, and no neighbour survives to restore anything: 0 for every "
                    "mask.",
                    icon=":material/info:")
        else:
            st.info(
                f"At keep_prob {keep_prob:.2f} element-wise dropout removes {drop:.0%} of the pixels, and the "
                f"neighbours restore {measured.restored_share(keep_prob):.0%} of what it removed: "
                f"**{at_current['element']:.0%}** of the information is still there or restorable. "
                f"Spatial dropout leaves **{at_current['channel']:.0%}**, about keep_prob itself: what is gone is "
                f"gone. {measured.dropblock_sentence(keep_prob, int(block_size))}",
                icon=":material/insights:",
            )

with frameworks_tab:
    if frameworks_tab.open:
        st.subheader("Where frameworks stand")
        st.markdown(
            f"Both frameworks name the probability of **dropping**, and both rescale kept maps by 1/keep_prob in "
            f"training. For keep_prob = {keep_prob:.2f} that is `{drop:.2f}`"
            + (" (nothing is kept, so there is nothing to rescale: PyTorch's `p=1` returns zeros):"
               if keep_prob <= 0.0 else ":")
        )
        st.code(
            f"# PyTorch: channels first, input (N, C, H, W); p = probability of dropping a whole map\n"
            f"torch.nn.Dropout2d(p={drop:.2f})\n\n"
            f"# Keras: channels last by default, input (N, H, W, C); rate = probability of dropping a whole map\n"
            f"keras.layers.SpatialDropout2D(rate={drop:.2f})",
            language="python",
        )
        st.markdown(
            f"""
| | element-wise | spatial (one draw per map) | input layout | argument for keep_prob = {keep_prob:.2f} |
|---|---|---|---|---|
| this app | `dropout_forward` | `spatial_dropout_forward` | (N, C, H, W) | `keep_prob={keep_prob:.2f}` |
| PyTorch | `nn.Dropout(p)` | `nn.Dropout2d(p)` | (N, C, H, W) | `p={drop:.2f}` |
| Keras | `layers.Dropout(rate)` | `layers.SpatialDropout2D(rate)` | (N, H, W, C) by default \
(`data_format="channels_last"`) | `rate={drop:.2f}` |

Keras' plain `Dropout` can do the same with `noise_shape=(batch_size, 1, 1, channels)`: the mask is then
shared over height and width.
"""
        )

with dropblock_tab:
    if dropblock_tab.open:
        st.subheader("The next step: DropBlock")
        block_column, block_text_column = st.columns([2, 1])
        with block_column:
            live_chart("conv_dropblock_mask", lambda q: mask_grid(
                masks(source, int(index), bool(relu), q, seed, int(block_size)).dropblock, shown.names,
                f"DropBlock mask: {block_size}×{block_size} blocks, keep_prob {q:.2f}", height=340),
                keep_prob, depends_on=depends_on)
        with block_text_column:
            st.markdown(
                f"""
**DropBlock** (Ghiasi, Lin & Le, 2018) sits between the two: it drops contiguous
{block_size}×{block_size} squares of a map. A pixel deep inside a dropped block has no surviving
neighbour, so its information is really gone, while the map as a whole survives.

Here every pixel is kept with probability exactly keep_prob (blocks may hang over the edge); the
paper sets the block rate γ by a formula that ignores overlaps and keeps blocks inside the map.
With block size 1 it is element-wise dropout.
"""
            )

st.success(
    "**What to notice.** Under element-wise dropout the information curve (in *Why*) stays above the dotted "
    "diagonal: the neighbours restore part of every hole, most of it from keep_prob 0.5 up, so the next layer loses "
    "less than the share of pixels dropped, and the dropout mostly adds noise (Tompson et al. 2015 argue it then acts "
    "much like a smaller learning rate). Spatial dropout sits on the diagonal: a dropped map is gone as a whole, "
    "so the other channels have to carry the feature.",
    icon=":material/lightbulb:",
)

lesson_tools(
    "feature_maps", keys=("conv_source", "conv_index", "conv_relu", "conv_block", VIEW_KEY),
    code=(conv.feature_maps, conv.sample_mask, spatial_dropout_forward, conv.neighbour_estimate, conv.information_left),
)
