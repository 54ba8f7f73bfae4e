"""Cached work for the feature-maps lesson: images, feature maps, masks and the measured curves.

Arguments are plain values; every Generator is built inside from the seed, so a cached result is
exactly what a fresh computation with the same arguments gives.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

from core.conv import (
    FILTER_NAMES,
    FILTER_SHORT_NAMES,
    digit_images,
    feature_maps,
    first_digit_of_class,
    generated_scene,
    information_left_curve,
    neighbour_correlation,
    sample_mask,
)

SOURCES = ("digit", "scene")  # the inputs the page offers
SOURCE_LABELS = {"digit": "a handwritten digit (8x8, upsampled to 32x32)",
                 "scene": "a scene generated in NumPy: smooth background, discs and rectangles (48x48)"}
INDEX_MAX = 9  # digit class 0-9, or scene 0-9
BLOCK_SIZES = (1, 3, 5, 7)  # DropBlock block sides offered (1 = element-wise dropout)
MAX_DISTANCE = 8  # pixels, for the correlation figure
STRONG_CORRELATION = 0.6  # from here on a correlation is called strong (0.6-0.8 strong, above 0.8 very strong)
KEEP_PROB_GRID = tuple(round(0.05 * i, 2) for i in range(21))  # the slider's own steps
SCENE_SIZE = 48
_SCENE_BORDER = 1  # scenes are made 2 px larger and the rim the zero padding touches is cut off
_MEASURE_DIGITS = 24  # the first 24 digits of the data set, for the measured curves
_MEASURE_SCENES = tuple(range(100, 106))  # scene seeds for the measured curves (not the displayed ones)
_ELEMENT_REPEATS = 1  # fresh masks per keep_prob (each mask already covers ~10^5 pixels)
_CHANNEL_REPEATS = 200  # a channel mask is only N x C draws: average many


def _check_source(source: str) -> str:
    if source not in SOURCES:
        raise ValueError(f"source must be one of {SOURCES}, got {source!r}")
    return source


def _images(source: str, indices) -> tuple[np.ndarray, int]:
    """(N, H, W) input pictures and the border feature_maps should cut."""
    if _check_source(source) == "digit":
        return digit_images(list(indices)), 0
    size = SCENE_SIZE + 2 * _SCENE_BORDER
    return np.stack([generated_scene(size, seed) for seed in indices]), _SCENE_BORDER


@dataclass(frozen=True)
class Example:
    """One input and its feature maps, as drawn on the page."""

    image: np.ndarray  # (H, W) the input picture, cut to the maps' size
    maps: np.ndarray  # (C, H, W) feature maps
    names: tuple[str, ...]  # channel names (C,)
    short_names: tuple[str, ...]  # the same, short enough for half-width grids
    label: str  # what the picture is


@st.cache_data(max_entries=64, show_spinner=False)
def example(source: str, index: int, relu: bool) -> Example:
    """The displayed input (digit class `index`, or scene number `index`) and its feature maps."""
    index = int(np.clip(index, 0, INDEX_MAX))
    if _check_source(source) == "digit":
        images, border = _images(source, [first_digit_of_class(index)])
        label = f"the first {index} in the data set"
    else:
        images, border = _images(source, [index])
        label = f"generated scene {index}"
    maps = feature_maps(images, relu=relu, border=border)[0]
    image = images[0, border : images.shape[1] - border, border : images.shape[2] - border]
    return Example(image=image, maps=maps, names=FILTER_NAMES, short_names=FILTER_SHORT_NAMES, label=label)


@dataclass(frozen=True)
class Masks:
    """One draw of each kind of mask for the displayed maps (True = kept)."""

    element: np.ndarray  # (C, H, W)
    channel: np.ndarray  # (C,)
    dropblock: np.ndarray  # (C, H, W)

    def kept_pixels(self, kind: str) -> tuple[int, int]:
        """(kept, total) pixels of the element-wise or DropBlock mask."""
        mask = {"element": self.element, "dropblock": self.dropblock}[kind]
        return int(mask.sum()), int(mask.size)

    @property
    def channel_maps(self) -> np.ndarray:
        """The channel mask spread over each map's pixels: (C, H, W), as the element mask."""
        return np.broadcast_to(self.channel[:, None, None], self.element.shape)

    def kept_maps(self) -> int:
        """How many maps the channel mask keeps."""
        return int(self.channel.sum())


@st.cache_data(max_entries=256, show_spinner=False)
def masks(source: str, index: int, relu: bool, keep_prob: float, seed: int, block_size: int) -> Masks:
    """Masks for the displayed maps; the same seed gives the same masks."""
    shape = (1, *example(source, index, relu).maps.shape)
    rng = np.random.default_rng(seed)
    element = sample_mask("element", shape, keep_prob, rng)[0]
    channel = sample_mask("channel", shape, keep_prob, rng)[0, :, 0, 0]
    dropblock = sample_mask("dropblock", shape, keep_prob, rng, block_size=block_size)[0]
    return Masks(element=element, channel=channel, dropblock=dropblock)


@dataclass(frozen=True)
class Measurements:
    """What the page plots as the measured reason, over a batch of pictures."""

    distances: np.ndarray  # (D + 1,) pixels
    correlation: np.ndarray  # (C, D + 1) per channel
    input_correlation: np.ndarray  # (D + 1,) of the input pictures themselves
    keep_probs: np.ndarray  # (K,)
    information: dict[str, np.ndarray]  # kind -> (K,) information left
    n_images: int

    def at(self, keep_prob: float) -> dict[str, float]:
        """Each curve's value at keep_prob (linear between the grid's points)."""
        return {kind: float(np.interp(keep_prob, self.keep_probs, values)) for kind, values in self.information.items()}

    def restored_share(self, keep_prob: float) -> float:
        """Of the information element-wise dropout removes at keep_prob (1 - keep_prob of it), the share the
        neighbours give back: (information left - keep_prob) / (1 - keep_prob). 0 at keep_prob 1 (nothing removed)."""
        if keep_prob >= 1.0:
            return 0.0
        return (self.at(keep_prob)["element"] - keep_prob) / (1.0 - keep_prob)

    def dropblock_sentence(self, keep_prob: float, block_size: int) -> str:
        """Where DropBlock's information left at keep_prob lies against the other two masks, as measured."""
        values = self.at(keep_prob)
        element, channel, block = values["element"], values["channel"], values["dropblock"]
        if block_size == 1:
            return f"DropBlock with 1×1 blocks is element-wise dropout ({block:.0%})."
        if channel < block < element:
            return f"DropBlock with {block_size}×{block_size} blocks sits between ({block:.0%})."
        return f"DropBlock with {block_size}×{block_size} blocks leaves {block:.0%}."

    def nearest_correlation_range(self) -> str:
        """The channels' correlation at distance 1, as 'a to b'."""
        at_one = self.correlation[:, 1]
        at_one = at_one[np.isfinite(at_one)]
        if not at_one.size:
            return "not defined (no channel varies)"
        return f"{at_one.min():.2f} to {at_one.max():.2f}"

    def nearest_correlation_sentence(self, names) -> str:
        """What the correlation at distance 1 says, in words that follow the measured numbers.

        names: the channel names (C,), to say which channel is the least correlated. "Strongly" is
        said of a correlation of STRONG_CORRELATION or more (the usual reading of 0.6-0.8 as strong).
        """
        at_one = self.correlation[:, 1]
        finite = np.isfinite(at_one)
        if not finite.any():
            return "At d = 1 the correlation is not defined: no channel varies."
        low = int(np.flatnonzero(finite)[np.argmin(at_one[finite])])
        high = int(np.flatnonzero(finite)[np.argmax(at_one[finite])])
        numbers = (f"At d = 1 the correlation is {at_one[low]:.2f} ({names[low]}) to {at_one[high]:.2f} "
                   f"({names[high]})")
        strong = int(np.sum(at_one[finite] >= STRONG_CORRELATION))
        if strong == finite.sum():
            return numbers + ": in every channel a pixel and its neighbour are strongly correlated."
        if strong:
            return numbers + (f": a pixel and its neighbour are strongly correlated in {strong} of "
                              f"{finite.sum()} channels.")
        return numbers + ": no channel's neighbours are strongly correlated here."


@st.cache_data(max_entries=32, show_spinner=False)
def measurements(source: str, relu: bool, block_size: int, seed: int) -> Measurements:
    """Correlation against distance, and information left against keep_prob for the three masks."""
    indices = range(_MEASURE_DIGITS) if _check_source(source) == "digit" else _MEASURE_SCENES
    images, border = _images(source, indices)
    maps = feature_maps(images, relu=relu, border=border)  # (N, C, H, W)
    cut = images[:, border : images.shape[1] - border, border : images.shape[2] - border]
    rng = np.random.default_rng(seed)
    grid = np.array(KEEP_PROB_GRID)
    information = {
        "element": information_left_curve(maps, "element", grid, rng, repeats=_ELEMENT_REPEATS),
        "channel": information_left_curve(maps, "channel", grid, rng, repeats=_CHANNEL_REPEATS),
        "dropblock": information_left_curve(maps, "dropblock", grid, rng, block_size=block_size,
                                            repeats=_ELEMENT_REPEATS),
    }
    return Measurements(
        distances=np.arange(MAX_DISTANCE + 1),
        correlation=neighbour_correlation(maps, MAX_DISTANCE),
        input_correlation=neighbour_correlation(cut[:, None], MAX_DISTANCE)[0],
        keep_probs=grid,
        information=information,
        n_images=len(images),
    )
