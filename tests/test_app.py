"""The app frame under AppTest: it runs, the sidebar is bound to the URL, bad links are explained,
and every registered page, and every view of it, runs at keep_prob 0, a middle value and 1."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import APP, ROOT, lesson_views, open_view, pages_calling, tab_sizes
from ui.lessons import LESSONS, all_pages
from ui.state import DEFAULT_KEEP_PROB, DEFAULT_SEED, SEED_MAX, parse_float, parse_int


def run_app(**query: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


def test_home_runs_and_explains_dropout():
    at = run_app()
    assert not at.exception
    assert at.title[0].value == "Dropout Lab"
    assert "keep_prob" in at.markdown[0].value
    slider = at.slider(key="keep_prob")
    assert slider.label == "keep_prob"
    assert (slider.min, slider.max, slider.value) == (0.0, 1.0, DEFAULT_KEEP_PROB)
    assert at.number_input(key="seed").value == DEFAULT_SEED


@pytest.mark.parametrize(("keep_prob", "keep", "drop"),
                         [("0.8", "0.8", "0.2"), ("0.05", "0.05", "0.95"), ("1", "1.0", "0.0")])
def test_home_names_in_the_wild_follow_keep_prob(keep_prob, keep, drop):
    at = run_app(keep_prob=keep_prob)
    assert not at.exception
    table = next(m.value for m in at.markdown if "| where | parameter |" in m.value)
    rows = {line.split("|")[1].strip(): line for line in table.splitlines() if line.startswith("|")}
    assert f"for keep_prob = {keep}" in table
    assert f"`p={drop}`" in rows["PyTorch `nn.Dropout(p)`"]
    tf2 = next(line for where, line in rows.items() if where.startswith("TensorFlow 2"))
    assert "tf.keras.layers.Dropout(rate)" in tf2 and "tf.nn.dropout(x, rate)" in tf2
    assert "probability of dropping" in tf2 and f"`rate={drop}`" in tf2
    assert f"`keep_prob={keep}`" in next(line for where, line in rows.items() if "TensorFlow 1" in where)
    assert f"`p={keep}`" in rows["Srivastava et al. 2014"]


def test_home_lists_every_lesson():
    at = run_app()
    links = " ".join(str(link.proto.label) for link in at.get("page_link"))
    for lesson in LESSONS:
        assert lesson.title in links


def test_url_sets_the_shared_controls():
    at = run_app(keep_prob="0.8", seed="3")
    assert not at.exception
    assert at.slider(key="keep_prob").value == 0.8
    assert at.number_input(key="seed").value == 3
    assert not at.warning


@pytest.mark.parametrize(
    "key, raw",
    [("keep_prob", "abc"), ("keep_prob", "-1"), ("keep_prob", "2"), ("keep_prob", "nan"), ("keep_prob", "inf"),
     ("keep_prob", "1e999"), ("keep_prob", "0x1p-2"), ("keep_prob", "9" * 500), ("seed", "-5"), ("seed", "1.5"),
     ("seed", "99999999999999999999"), ("seed", "seven")],
)
def test_bad_links_get_a_visible_warning_and_the_default(key, raw):
    at = run_app(**{key: raw})
    assert not at.exception
    assert any(key in warning.value for warning in at.warning)
    if key == "keep_prob":
        assert at.slider(key="keep_prob").value == DEFAULT_KEEP_PROB
    else:  # Streamlit drops a bad seed or keeps a fraction, shown and used rounded: a valid seed applies
        assert 0 <= round(at.number_input(key="seed").value) <= SEED_MAX


def test_repeated_and_unknown_params_are_harmless():
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["keep_prob"] = ["0.2", "0.9"]
    at.query_params["utm_source"] = "x"
    at.run()
    assert not at.exception
    assert any("2 times" in warning.value for warning in at.warning)


def test_parsers():
    assert parse_float("0.25", 0, 1) == 0.25
    assert parse_float(" 1 ", 0, 1) == 1.0
    for bad in ("", "nan", "inf", "-0.1", "1.01", "abc", None):
        assert parse_float(bad, 0, 1) is None
    assert parse_int("3", 0, 10) == 3 and parse_int("3.0", 0, 10) == 3
    assert parse_int("3.5", 0, 10) is None and parse_int("11", 0, 10) is None


@pytest.mark.parametrize("lesson", all_pages(), ids=lambda lesson: lesson.url_path or "home")
def test_every_page_runs_at_the_extremes_of_keep_prob(lesson):
    at = run_app(keep_prob="0", seed="1")
    for keep_prob in (0.0, 0.5, 1.0):
        at.slider(key="keep_prob").set_value(keep_prob)
        at.switch_page(lesson.path).run()
        assert not at.exception, f"{lesson.path} at keep_prob {keep_prob}: {at.exception}"
        assert at.title or at.header, f"{lesson.path} has no title"


@pytest.mark.parametrize("lesson", pages_calling("view_tabs"), ids=lambda lesson: lesson.url_path)
def test_every_view_runs_at_the_extremes_of_keep_prob(lesson):
    """Each view (found on the page, so new pages and views are covered) opened by its link, alone."""
    views = lesson_views(lesson.path)
    assert views, f"{lesson.path} calls view_tabs but shows no URL-bound views"
    for key, labels in views.items():
        for label in labels:
            for keep_prob in ("0", "0.35", "1"):
                where = f"{lesson.path}?{key}={label}&keep_prob={keep_prob}"
                at = open_view(lesson.path, key, label, {"keep_prob": keep_prob, "seed": "1"}, check=False)
                assert not at.exception, f"{where}: {at.exception}"
                assert at.title or at.header, f"{where} has no title"
                sizes = tab_sizes(at, key)  # only the open view runs
                assert sizes[label] and not any(n for tab, n in sizes.items() if tab != label), f"{where}: {sizes}"
                assert not [w.value for w in at.warning if key in w.value], where


def test_presentation_mode_from_the_url():
    at = run_app(present="true", keep_prob="0.7")
    assert not at.exception
    assert at.toggle(key="present").value is True
    styles = " ".join(str(element.proto) for element in at.get("html"))
    assert "font-size" in styles and ".st-key-seed" in styles
    plain = run_app()
    assert plain.toggle(key="present").value is False
    assert not plain.get("html")


@pytest.mark.parametrize("keep_prob", ["0", "0.5", "1"])
def test_the_speed_yardsticks_run(keep_prob):
    """benchmarks/baseline_app.py and frame_app.py: the pages bench_interaction.py compares every lesson with."""
    bare = AppTest.from_file(str(ROOT / "benchmarks" / "baseline_app.py"), default_timeout=60)
    bare.query_params["keep_prob"] = keep_prob
    framed = AppTest.from_file(str(ROOT / "benchmarks" / "frame_app.py"), default_timeout=60)
    framed.query_params["keep_prob"] = keep_prob
    for at, title in ((bare.run(), "Baseline"), (framed.run(), "Baseline in the app's frame")):
        assert not at.exception, at.exception
        assert at.title[0].value == title
        assert len(at.get("plotly_chart")) == 1
        assert at.sidebar.slider(key="keep_prob").value == float(keep_prob)
    assert framed.sidebar.number_input(key="seed").value == DEFAULT_SEED  # the app's own sidebar, not a copy
