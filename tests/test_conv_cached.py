"""ui/cached/conv.py: the sentences the feature-maps page builds from its measurements follow the numbers."""

from __future__ import annotations

import numpy as np
import pytest

from core.conv import FILTER_NAMES
from ui.cached.conv import KEEP_PROB_GRID, SOURCES, STRONG_CORRELATION, Measurements, measurements

NAMES = ("a", "b", "c")


def _measured(at_one, element=None, channel=None, dropblock=None) -> Measurements:
    grid = np.array(KEEP_PROB_GRID)
    correlation = np.ones((len(at_one), 3))
    correlation[:, 1] = at_one
    return Measurements(distances=np.arange(3), correlation=correlation, input_correlation=np.ones(3),
                        keep_probs=grid,
                        information={"element": grid if element is None else element,
                                     "channel": grid if channel is None else channel,
                                     "dropblock": grid if dropblock is None else dropblock},
                        n_images=2)


def test_the_correlation_sentence_gives_the_measured_range_and_says_strong_only_when_it_is():
    sentence = _measured([0.68, 0.98, 0.9]).nearest_correlation_sentence(NAMES)
    assert "0.68 (a) to 0.98 (b)" in sentence and "in every channel" in sentence and "strongly" in sentence
    sentence = _measured([0.3, 0.98, np.nan]).nearest_correlation_sentence(NAMES)
    assert "0.30 (a) to 0.98 (b)" in sentence and "strongly correlated in 1 of 2 channels" in sentence
    sentence = _measured([0.3, 0.1, 0.2]).nearest_correlation_sentence(NAMES)
    assert "no channel's neighbours are strongly correlated" in sentence
    assert "not defined" in _measured([np.nan] * 3).nearest_correlation_sentence(NAMES)


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("relu", [True, False])
def test_every_setting_is_strongly_correlated_and_restores_most_from_keep_prob_one_half(source, relu):
    """The page's fixed words: 'strongly correlated' (intro) and 'most of it from keep_prob 0.5 up' (takeaway)."""
    measured = measurements(source, relu, 3, 0)
    at_one = measured.correlation[:, 1]
    assert np.all(at_one >= STRONG_CORRELATION), dict(zip(FILTER_NAMES, at_one, strict=True))
    assert "in every channel" in measured.nearest_correlation_sentence(FILTER_NAMES)
    for keep_prob in KEEP_PROB_GRID:
        restored = measured.restored_share(keep_prob)
        if 0.5 <= keep_prob < 1:
            assert restored > 0.5, (keep_prob, restored)
    assert measured.restored_share(0.05) < 0.5  # ... and not below: the takeaway's "from 0.5 up" is needed
    assert measured.restored_share(1.0) == 0.0


def test_restored_share_and_the_dropblock_sentence():
    grid = np.array(KEEP_PROB_GRID)
    element = np.minimum(1.0, grid + 0.5 * (1 - grid))  # the neighbours give back half of every hole
    measured = _measured([0.9], element=element, dropblock=grid + 0.2 * (1 - grid))
    assert measured.restored_share(0.4) == pytest.approx(0.5)
    assert measured.dropblock_sentence(0.4, 3) == "DropBlock with 3×3 blocks sits between (52%)."
    assert measured.dropblock_sentence(0.4, 1).startswith("DropBlock with 1×1 blocks is element-wise dropout")
    above = _measured([0.9], element=element, dropblock=np.minimum(1.0, grid + 0.9 * (1 - grid)))
    assert above.dropblock_sentence(0.4, 5) == "DropBlock with 5×5 blocks leaves 94%."
