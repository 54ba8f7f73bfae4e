"""core/conventions.py: every framework's number for keep_prob, the exact call strings, the inverse."""

from __future__ import annotations

import math

import numpy as np
import pytest

from core.conventions import (
    CONVENTIONS,
    DROP,
    KEEP,
    convention_by_name,
    format_probability,
    framework_value,
    keep_prob_from,
    table_rows,
)

GRID = [0.0, 0.05, 0.2, 0.25, 0.3, 0.35, 0.5, 0.8, 0.95, 1.0]


def test_meanings_match_the_documentation():
    meanings = {c.name: c.meaning for c in CONVENTIONS}
    assert meanings == {
        "app": KEEP, "pytorch": DROP, "pytorch_2d": DROP, "keras": DROP, "keras_spatial": DROP,
        "tf1": KEEP, "tf2": DROP, "paper": KEEP, "cs231n": KEEP,
    }


@pytest.mark.parametrize(("name", "keep_prob", "expected"), [
    ("pytorch", 0.8, "torch.nn.Dropout(p=0.2)"),
    ("pytorch_2d", 0.7, "torch.nn.Dropout2d(p=0.3)"),
    ("keras", 0.8, "keras.layers.Dropout(rate=0.2)"),
    ("keras_spatial", 0.9, "keras.layers.SpatialDropout2D(rate=0.1)"),
    ("tf1", 0.8, "tf.nn.dropout(x, keep_prob=0.8)"),
    ("tf2", 0.8, "tf.nn.dropout(x, rate=0.2)"),
    ("pytorch", 0.35, "torch.nn.Dropout(p=0.65)"),
    ("pytorch", 1.0, "torch.nn.Dropout(p=0.0)"),
    ("tf1", 0.0, "tf.nn.dropout(x, keep_prob=0.0)"),
])
def test_exact_call_strings(name, keep_prob, expected):
    assert convention_by_name(name).call(keep_prob) == expected


def test_paper_and_cs231n_write_keep_prob_and_warn_about_the_year():
    assert "p = 0.8" in convention_by_name("paper").call(0.8)
    assert "p = 0.8" in convention_by_name("cs231n").call(0.8)
    assert "year" in convention_by_name("cs231n").note


@pytest.mark.parametrize("keep_prob", GRID)
def test_values_and_their_inverse(keep_prob):
    for convention in CONVENTIONS:
        value = framework_value(convention, keep_prob)
        expected = keep_prob if convention.meaning == KEEP else 1 - keep_prob
        assert value == pytest.approx(expected, abs=1e-12)
        assert keep_prob_from(convention, value) == pytest.approx(keep_prob, abs=1e-12)
        assert format_probability(value) in convention.call(keep_prob)


@pytest.mark.parametrize("keep_prob", GRID)
def test_every_call_line_is_valid_python(keep_prob):
    for convention in CONVENTIONS:
        compile(convention.call(keep_prob), convention.name, "exec")
        labelled = convention.labelled_call(keep_prob)
        compile(labelled, convention.name, "exec")
        assert labelled.startswith(convention.call(keep_prob).split("  #")[0]) and convention.where in labelled
        assert labelled.count("#") == 1


def test_format_probability_hides_float_noise():
    assert format_probability(1 - 0.8) == "0.2"
    assert format_probability(0.35000000000000003) == "0.35"
    assert format_probability(0.0) == "0.0" and format_probability(1.0) == "1.0"
    assert format_probability(-0.0) == "0.0"
    assert format_probability(0.123456) == "0.1235"


@pytest.mark.parametrize("keep_prob", [0.0, 0.3, 1.0])
def test_table_rows(keep_prob):
    rows = table_rows(keep_prob)
    assert len(rows) == len(CONVENTIONS)
    assert {len(row) for row in rows} == {7}
    for row, convention in zip(rows, CONVENTIONS, strict=True):
        assert row["one-line call"] == convention.call(keep_prob)
        assert math.isclose(float(row["value"]), framework_value(convention, keep_prob), abs_tol=1e-9)
        assert row["means"] == ("keep probability" if convention.meaning == KEEP else "drop probability")
    assert all("nan" not in " ".join(row.values()).lower() for row in rows)


def test_bad_arguments():
    with pytest.raises(ValueError, match="keep_prob"):
        table_rows(1.5)
    with pytest.raises(TypeError, match="keep_prob"):
        convention_by_name("keras").call("0.5")
    with pytest.raises(ValueError, match="value"):
        keep_prob_from(convention_by_name("keras"), -0.1)
    with pytest.raises(ValueError, match="value"):
        keep_prob_from(convention_by_name("keras"), float("nan"))
    with pytest.raises(ValueError, match="name must be one of"):
        convention_by_name("caffe")
    with pytest.raises(TypeError, match="name"):
        convention_by_name(3)
    with pytest.raises(TypeError, match="convention"):
        framework_value("pytorch", 0.5)
    with pytest.raises(TypeError, match="convention"):
        keep_prob_from("pytorch", 0.5)


def test_names_are_unique():
    names = [c.name for c in CONVENTIONS]
    assert len(set(names)) == len(names)
    assert np.all([c.meaning in (KEEP, DROP) for c in CONVENTIONS])


@pytest.mark.parametrize("keep_prob", GRID)
def test_tensorflow_refuses_dropping_everything_and_the_listing_says_so(keep_prob):
    refusing = {c.name for c in CONVENTIONS if c.refuses(keep_prob)}
    assert refusing == ({"tf1", "tf2"} if keep_prob == 0.0 else set())  # keep_prob=0.0 in TF1, rate=1.0 in TF2
    for convention, row in zip(CONVENTIONS, table_rows(keep_prob), strict=True):
        said = "raises ValueError" in convention.labelled_call(keep_prob)
        assert said == (convention.name in refusing) == ("raises a ValueError" in row["watch out"])
    if keep_prob == 0.0:
        assert convention_by_name("tf1").labelled_call(0.0).endswith("keep_prob must be in (0, 1]")
        assert convention_by_name("tf2").labelled_call(0.0).endswith("rate must be in [0, 1)")
