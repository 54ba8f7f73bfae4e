"""ui/figures/conv.py: the builders return the panels, traces, titles and numbers the page relies on."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import pytest

from core.conv import FILTER_NAMES, FILTER_SHORT_NAMES, feature_maps, generated_scene, neighbour_correlation
from ui.figures.conv import (
    KIND_LABELS,
    correlation_figure,
    decode_typed,
    information_figure,
    input_figure,
    map_grid,
    mask_grid,
)
from ui.theme import DROPPED


def _maps():
    return feature_maps(generated_scene(20, 1)[None])[0]  # (8, 20, 20)


def _title(fig: go.Figure) -> str:
    return fig.layout.title.text


def _panels(fig: go.Figure, trace: int, shape: tuple[int, int]) -> list[np.ndarray]:
    """Cut the panels out of a grid's canvas, at the places its panel titles point to."""
    canvas = decode_typed(fig.data[trace].z)
    h, w = shape
    panels = []
    for note in fig.layout.annotations:
        top, left = round(note.y + 0.5), round(note.x - (w - 1) / 2)
        assert top >= 1 and left >= 0  # room for the title above the panel
        panels.append(np.array(canvas[top : top + h, left : left + w]))
    return panels


def test_input_figure():
    image = generated_scene(24, 0)
    fig = input_figure(image, "Input picture")
    assert "Input picture" in _title(fig)
    assert len(fig.data) == 1 and np.allclose(decode_typed(fig.data[0].z), image, atol=1e-6)
    assert tuple(fig.layout.yaxis.range) == (23.5, -0.5)  # row 0 on top, exactly the pixels
    assert fig.layout.xaxis.title.text and fig.layout.yaxis.title.text
    with pytest.raises(ValueError):
        input_figure(np.zeros((2, 3, 4)), "x")


def test_map_grid_without_mask_shows_one_panel_per_channel():
    maps = _maps()
    fig = map_grid(maps, FILTER_NAMES, "Feature maps")
    assert "Feature maps" in _title(fig)
    assert len(fig.data) == 1  # one tiled heatmap: cheap for the browser
    assert [a.text for a in fig.layout.annotations] == list(FILTER_NAMES)
    panels = _panels(fig, 0, maps.shape[1:])
    for c, panel in enumerate(panels):
        assert np.allclose(panel, maps[c], atol=1e-6)
    canvas = decode_typed(fig.data[0].z)
    assert np.isnan(canvas).sum() == canvas.size - maps.size  # everything else is a gap
    # One shared, symmetric colour scale with its bar.
    assert fig.layout.coloraxis.cmin == -fig.layout.coloraxis.cmax
    assert fig.layout.coloraxis.cmax == pytest.approx(np.abs(maps).max())
    assert fig.layout.coloraxis.showscale is not False


def test_map_grid_with_element_mask_leaves_holes_drawn_grey():
    maps = _maps()
    kept = np.random.default_rng(0).random(maps.shape) < 0.5
    fig = map_grid(maps, FILTER_SHORT_NAMES, "After dropout", kept=kept, colorbar=False)
    assert len(fig.data) == 2 and fig.data[1].colorscale[-1][1] == DROPPED
    assert fig.data[1].colorscale[0][1] == "rgba(0,0,0,0)" and fig.data[1].z["dtype"] == "u1"  # 0 shows through
    values, holes = _panels(fig, 0, maps.shape[1:]), _panels(fig, 1, maps.shape[1:])
    for c in range(len(FILTER_SHORT_NAMES)):
        assert np.allclose(values[c], maps[c], atol=1e-6)  # the values, the same whatever the mask
        assert np.array_equal(holes[c] == 1, ~kept[c])  # grey exactly where a pixel is dropped
    assert np.all(decode_typed(fig.data[1].z)[np.isnan(decode_typed(fig.data[0].z))] == 0)  # gaps stay clear
    assert fig.layout.coloraxis.showscale is False


def test_map_grid_with_channel_mask_drops_whole_maps():
    maps = _maps()
    channel = np.array([True, False] * 4)
    fig = map_grid(maps, FILTER_NAMES, "After spatial dropout", kept=channel[:, None, None])
    for keep, panel in zip(channel, _panels(fig, 1, maps.shape[1:]), strict=True):
        assert np.all(panel == (0 if keep else 1))


def test_mask_grid_accepts_pixel_and_channel_masks():
    pixel = np.random.default_rng(1).random((8, 6, 6)) < 0.5
    fig = mask_grid(pixel, FILTER_NAMES, "Mask")
    assert "Mask" in _title(fig) and len(fig.data) == 2  # the mask, and the white gaps between its panels
    assert fig.data[0].z["dtype"] == "u1" and fig.data[1].hoverinfo == "skip"
    assert np.array_equal(_panels(fig, 0, (6, 6))[3], pixel[3].astype(float))
    assert list(fig.layout.coloraxis.colorbar.ticktext) == ["dropped", "kept"]
    per_map = mask_grid(np.array([True, False, True, True, False, False, True, False]), FILTER_NAMES, "Maps")
    panels = _panels(per_map, 0, (8, 8))
    assert np.all(panels[1] == 0) and np.all(panels[0] == 1)
    with pytest.raises(ValueError):
        mask_grid(pixel, FILTER_NAMES[:3], "wrong names")


def test_correlation_figure_shows_the_numbers_of_a_known_map():
    rows, cols = np.indices((10, 10))
    board = np.where((rows + cols) % 2 == 0, 1.0, -1.0)
    constant = np.ones((10, 10))
    maps = np.stack([board, constant])[None]  # (1, 2, 10, 10): the second never varies
    correlation = neighbour_correlation(maps, 4)
    fig = correlation_figure(np.arange(5), correlation, ["checkerboard", "constant"],
                             input_correlation=correlation[0])
    names = [trace.name for trace in fig.data]
    assert names == ["checkerboard", "input picture"]  # the all-NaN channel is left out, not drawn as NaN
    assert np.allclose(np.asarray(fig.data[0].y, dtype=float), [1, -1, 1, -1, 1])
    assert fig.layout.xaxis.title.text and fig.layout.yaxis.title.text and _title(fig)
    assert fig.layout.showlegend is not False
    with pytest.raises(ValueError):
        correlation_figure(np.arange(3), correlation, ["a", "b"])


@pytest.mark.parametrize("keep_prob", [0.0, 0.35, 1.0])
def test_information_figure_marks_the_current_keep_prob(keep_prob):
    grid = np.linspace(0, 1, 21)
    information = {"element": np.sqrt(grid), "channel": grid.copy(), "dropblock": grid**0.7}
    fig = information_figure(grid, information, keep_prob, block_size=3)
    lines = [t for t in fig.data if t.mode == "lines"]
    markers = [t for t in fig.data if t.mode == "markers"]
    assert lines[0].name.startswith("kept pixels only")
    assert {t.name for t in lines[1:]} == {KIND_LABELS["element"], KIND_LABELS["channel"],
                                           f"{KIND_LABELS['dropblock']} (3×3 blocks)"}
    assert len(markers) == 3
    for marker, kind in zip(markers, information, strict=True):
        assert marker.x[0] == keep_prob
        assert marker.y[0] == pytest.approx(np.interp(keep_prob, grid, information[kind]))
        assert np.isfinite(marker.y[0])
    assert any(shape.x0 == keep_prob for shape in fig.layout.shapes)  # the vertical line
    assert fig.layout.xaxis.title.text == "keep_prob" and fig.layout.yaxis.title.text and _title(fig)
    with pytest.raises(ValueError):
        information_figure(grid, {"element": grid[:5]}, keep_prob)


def _every_figure() -> list[go.Figure]:
    maps = _maps()
    kept = np.random.default_rng(2).random(maps.shape) < 0.5
    grid = np.linspace(0, 1, 21)
    return [
        input_figure(generated_scene(20, 0), "Input"),
        map_grid(maps, FILTER_NAMES, "clean"),
        map_grid(maps, FILTER_SHORT_NAMES, "holes", kept=kept, colorbar=False),
        mask_grid(kept, FILTER_SHORT_NAMES, "mask", colorbar=False),
        mask_grid(kept[:, 0, 0], FILTER_NAMES, "per map"),
        correlation_figure(np.arange(4), neighbour_correlation(maps[None], 3), FILTER_NAMES,
                           input_correlation=np.linspace(1, 0, 4)),
        information_figure(grid, {"element": grid, "channel": grid}, 0.4, block_size=5),
    ]


def test_every_builder_makes_a_figure_plotly_accepts():
    """The builders skip Plotly's validation for speed; rebuilding with validation must not raise."""
    for fig in _every_figure():
        checked = go.Figure(fig.to_dict())  # raises ValueError on any invalid property
        assert checked.layout.title.text
        assert fig.layout.template.layout.plot_bgcolor == pio.templates["plotly_white"].layout.plot_bgcolor  # house


def test_figures_follow_the_house_style():
    from ui.theme import FONT_SIZE

    for fig in _every_figure():
        assert fig.layout.font.size == FONT_SIZE
        assert fig.layout.title.text.startswith("<b>")
