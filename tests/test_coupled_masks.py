"""Masks are coupled across keep_prob: with the same random state, the units kept at a lower keep_prob
are a subset of those kept at a higher one, and what is drawn after a mask does not depend on keep_prob.

This is what lets the live charts move keep_prob without flashing a new random pattern at every step:
dragging keep_prob down drops units one at a time and never brings one back.
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pytest

from core import lessons_masks, self_check
from core.dropout import _BLOCK, bernoulli_mask, dropout_forward, sample_outputs, spatial_dropout_forward

GRID = np.round(np.arange(0, 21) * 0.05, 2)  # the sidebar slider's 21 values


def _masks(shape, keep_probs, seed):
    return [bernoulli_mask(shape, float(q), np.random.default_rng(seed)) for q in keep_probs]


def assert_nested(masks) -> None:
    """Each mask keeps everything the one before it kept (masks ordered by increasing keep_prob)."""
    for lower, higher in pairwise(masks):
        brought_back = np.flatnonzero(lower & ~higher)
        assert brought_back.size == 0, f"{brought_back.size} kept at the lower keep_prob, dropped at the higher"


@pytest.mark.parametrize("shape", [(8, 16), (3, _BLOCK + 77)])  # one block, and masks that span several blocks
@pytest.mark.parametrize("seed", [0, 1, 2024])
def test_masks_on_the_slider_grid_are_nested(shape, seed):
    masks = _masks(shape, GRID, seed)
    assert_nested(masks)
    assert not masks[0].any() and masks[-1].all()
    # Not trivially nested: the masks do differ from step to step.
    assert sum(int((higher & ~lower).sum()) for lower, higher in pairwise(masks)) > 0


def test_nested_through_the_ties():
    """keep_probs with the same byte threshold K differ only in how ties (byte == K) are broken: still nested."""
    base = 128 / 256  # K = 128 for all three, remainders 0.1, 0.5, 0.9
    keep_probs = [base + r / 256 for r in (0.1, 0.5, 0.9)]
    n = 200_000  # about n / 256 = 780 ties per mask, so the tie-breaking is exercised
    masks = _masks((n,), keep_probs, seed=7)
    assert_nested(masks)
    assert (masks[2] & ~masks[0]).sum() > 0  # the ties do decide differently


@pytest.mark.parametrize("shape", [(5,), (4, 9), (2, _BLOCK + 3)])
def test_what_follows_a_mask_does_not_depend_on_keep_prob(shape):
    """The same number of random words is taken at every keep_prob (0 and 1 included), so the next draw
    from the same generator is the same: a second layer's mask in one forward pass stays coupled too."""
    after = []
    for keep_prob in (0.0, 0.05, 0.5, 0.55, 1.0):
        rng = np.random.default_rng(11)
        bernoulli_mask(shape, keep_prob, rng)
        after.append(rng.random(3))
    for value in after[1:]:
        np.testing.assert_array_equal(value, after[0])


def test_dropout_forward_uses_the_coupled_mask():
    """The fast block-by-block forward pass draws the same mask as bernoulli_mask, so it is coupled as well."""
    x = np.ones((6, 40), dtype=np.float32)
    masks = []
    for keep_prob in GRID:
        _, cache = dropout_forward(x, float(keep_prob), rng=np.random.default_rng(3))
        mask = np.broadcast_to(cache.mask, x.shape)
        np.testing.assert_array_equal(mask, bernoulli_mask(x.shape, float(keep_prob), np.random.default_rng(3)))
        masks.append(mask)
    assert_nested(masks)


def test_spatial_masks_are_nested():
    x = np.ones((4, 12, 3, 3))
    masks = [spatial_dropout_forward(x, float(q), rng=np.random.default_rng(5))[1].mask for q in GRID[1:-1]]
    assert_nested([np.broadcast_to(m, (4, 12, 1, 1)) for m in masks])


def test_sampled_outputs_are_nested():
    kept = [sample_outputs(np.ones(10), float(q), 30, rng=9) != 0 for q in GRID[1:]]
    assert_nested(kept)


def test_the_masks_lesson_is_nested_for_every_forward_pass():
    layer = lessons_masks.synthetic_layer()
    for iteration in (1, 2, 17):
        masks = [lessons_masks.masked_layer(layer.activations, float(q), 4, iteration).mask for q in GRID]
        assert_nested(masks)
    # "Next iteration" still draws fresh numbers: another pass, another mask.
    first = lessons_masks.masked_layer(layer.activations, 0.5, 4, 1).mask
    second = lessons_masks.masked_layer(layer.activations, 0.5, 4, 2).mask
    assert (first != second).any()


def test_the_self_check_forward_pass_is_nested():
    masks = [self_check.live_forward_pass(float(q), 6).mask for q in GRID]
    assert_nested(masks)


def test_the_lessons_masks_are_nested_wherever_a_view_shows_one():
    """Train vs test's hidden layer, Backprop's network and Feature maps' three kinds of mask: the same seed
    keeps a subset of the units (pixels, maps) at every lower keep_prob."""
    from core import conv, scaling, two_layer

    assert_nested([scaling.hidden_layer_example(3, float(q), 8)[1] for q in GRID])
    assert_nested([two_layer.lesson_case(3, float(q), 4).mask for q in GRID])
    shape = (1, 8, 12, 12)
    for kind in ("element", "channel", "dropblock"):
        assert_nested([conv.sample_mask(kind, shape, float(q), np.random.default_rng(3)) for q in GRID[1:-1]])
