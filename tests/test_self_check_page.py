"""AppTest of the page "Self-check": clean at keep_prob 0, 0.5 and 1; checking a right, a wrong and an
empty answer; concept questions; stale answers after a settings change; the score and its reset."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from core import self_check as sc
from tests.conftest import chart_count, decode_arrays, live_data, live_state, open_page_via_home, show_view
from ui.figures.practice import forward_pass_figure

PAGE = "pages/self_check.py"
VIEW = "self_check_view"


def open_page(**query) -> AppTest:
    return open_page_via_home(PAGE, query)


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def live_elements(at: AppTest, kind: str) -> list:
    """The page's ui.live components of one kind ("chart" or "metrics")."""
    return [node for node in at._tree
            if getattr(node, "type", None) == "bidi_component" and live_data(node)["bundle"]["kind"] == kind]


def question(keep_prob: float, seed: int, qid: str):
    return next(q for q in sc.all_questions(keep_prob, seed) if q.id == qid)


def check(at: AppTest, qid: str, value) -> AppTest:
    """Answer question `qid` in its view (live numbers or concepts) and press its Check button."""
    key = f"self_check_{qid}"
    view = {"concept": "Concepts", "pitfall": "Pitfalls"}.get(qid.split("_")[0], "Live numbers")
    show_view(at, VIEW, view)
    widget = at.radio(key=key) if view != "Live numbers" else at.number_input(key=key)
    widget.set_value(value)
    at.button(key=f"FormSubmitter:self_check_form_{qid}-Check").click().run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("keep_prob", ["0", "0.5", "1"])
def test_page_runs_clean(keep_prob):
    at = open_page(keep_prob=keep_prob, seed="3")
    assert at.title[0].value == "Self-check"
    n = len(sc.all_questions(float(keep_prob), 3))
    assert metric(at, "checked") == f"0 of {n}" and metric(at, "right") == "0"
    assert chart_count(at) == 1
    assert len(at.number_input) - 1 == len(sc.live_questions(float(keep_prob), 3))  # minus the sidebar seed
    assert not at.radio  # the concept questions are in their own view, which has not run
    assert not at.warning and not at.error
    link = f"/self_check?keep_prob={keep_prob}&seed=3&{VIEW}=Live+numbers"
    assert link in [c.value for c in at.code]  # the share link, with the open view
    show_view(at, VIEW, "Concepts")
    assert len(at.radio) == len(sc.CONCEPT_QUESTIONS)
    assert len(at.number_input) == 1  # the sidebar seed only
    assert not at.warning and not at.error
    show_view(at, VIEW, "Pitfalls")
    assert len(at.radio) == len(sc.PITFALL_QUESTIONS)
    assert len(at.number_input) == 1
    assert not at.warning and not at.error


def test_right_wrong_and_empty_answers():
    at = open_page(keep_prob="0.4", seed="1")
    kept = question(0.4, 1, "live_kept_gradient")
    check(at, "live_kept_gradient", round(kept.answer, 2))
    assert any("Right" in s.value for s in at.success)
    assert any("Backprop" in str(link.proto.label) for link in at.get("page_link"))
    assert metric(at, "right") == "1" and metric(at, "score") == "100%"

    check(at, "live_fraction_dropped", 0.4)  # the keep_prob, not the drop fraction: wrong
    assert any("the answer is 0.6" in e.value for e in at.error)
    assert metric(at, "checked") == f"2 of {len(sc.all_questions(0.4, 1))}" and metric(at, "score") == "50%"

    at.button(key="FormSubmitter:self_check_form_live_pytorch_p-Check").click().run()
    assert any("Give an answer first" in w.value for w in at.warning)
    assert metric(at, "checked").startswith("2 of")  # an empty check does not count


def test_concept_questions_right_and_wrong():
    at = open_page(keep_prob="0.5")
    first = sc.CONCEPT_QUESTIONS[0]
    wrong = (first.correct + 1) % len(first.options)
    check(at, first.id, wrong)
    assert any(first.why_not[wrong] in e.value for e in at.error)
    check(at, first.id, first.correct)
    assert any(s.value == "Right." for s in at.success)
    assert metric(at, "right") == "1" and metric(at, "checked").startswith("1 of")
    for concept in sc.CONCEPT_QUESTIONS[1:]:
        check(at, concept.id, concept.correct)
    assert metric(at, "right") == str(len(sc.CONCEPT_QUESTIONS))


def test_pitfall_questions_right_and_wrong():
    at = open_page(keep_prob="0.5")
    first = sc.PITFALL_QUESTIONS[0]
    wrong = (first.correct + 1) % len(first.options)
    check(at, first.id, wrong)
    assert any(first.why_not[wrong] in e.value for e in at.error)
    assert any("Pitfalls" in str(link.proto.label) for link in at.get("page_link"))
    for question in sc.PITFALL_QUESTIONS:
        check(at, question.id, question.correct)
    assert metric(at, "right") == str(len(sc.PITFALL_QUESTIONS))


def test_a_settings_change_makes_live_answers_stale_and_reset_clears_everything():
    at = open_page(keep_prob="0.5", seed="0")
    check(at, "live_fraction_dropped", 0.5)
    check(at, sc.CONCEPT_QUESTIONS[0].id, sc.CONCEPT_QUESTIONS[0].correct)
    assert metric(at, "right") == "2"
    (score,) = live_elements(at, "metrics")  # while the slider is dragged to 0.8, the score shows what 0.8 will
    assert live_state(score, 0.5) == {"right": "2", "checked": f"2 of {len(sc.all_questions(0.5, 0))}",
                                      "score": "100%"}
    assert live_state(score, 0.8) == {"right": "1", "checked": f"1 of {len(sc.all_questions(0.8, 0))}",
                                      "score": "100%"}
    at.slider(key="keep_prob").set_value(0.8).run()
    assert not at.exception
    show_view(at, VIEW, "Live numbers")
    assert any("other settings" in c.value for c in at.caption)
    assert metric(at, "right") == "1"  # the concept answer still stands; the live one is stale
    at.button(key="self_check_reset").click().run()
    assert not at.exception
    assert metric(at, "right") == "0" and metric(at, "checked").startswith("0 of")
    assert at.number_input(key="self_check_live_fraction_dropped").value is None


@pytest.mark.parametrize("keep_prob", [0.0, 0.05, 0.3, 0.8, 1.0])
def test_the_forward_pass_chart_follows_keep_prob(keep_prob):
    """The chart's state at q is the forward pass of q (same seed), not the page's; and the mask is coupled:
    the units kept at a lower keep_prob are among those kept at a higher one."""
    at = open_page(keep_prob="0.5", seed="3")
    (chart,) = live_elements(at, "chart")
    fp = sc.live_forward_pass(keep_prob, 3)
    expected = json.loads(forward_pass_figure(fp.activations, fp.mask, keep_prob).to_json())
    state = live_state(chart, keep_prob)
    assert json.dumps(decode_arrays(state), sort_keys=True) == json.dumps(decode_arrays(expected), sort_keys=True)
    assert not (fp.mask & ~sc.live_forward_pass(min(keep_prob + 0.05, 1.0), 3).mask).any()
