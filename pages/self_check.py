"""Practice, Self-check: predict, then reveal. Live questions computed from keep_prob and seed, and
concept questions on every common confusion, each linking to the lesson that shows the answer."""

import streamlit as st

from core.dropout import dropout_backward, dropout_forward
from core.self_check import LESSON_PAGES, REL_TOL, ChoiceQuestion, check_answer, fingerprint, live_forward_pass
from ui.cached import practice as cached
from ui.components import share_link, show_code
from ui.figures.practice import forward_pass_figure
from ui.live import Metric, fallback_notice, live_chart, live_metrics
from ui.state import lesson_settings, view_tabs

VIEW_KEY = "self_check_view"
VIEWS = ("Live numbers", "Concepts", "Pitfalls")
ATTEMPTS_KEY = "self_check_attempts"  # {question id: {"fingerprint", "given", "correct", "message"}}

settings = lesson_settings()
keep_prob = settings.keep_prob


def attempts() -> dict:
    """The learner's latest attempt per question: the one place this page's session state is initialised."""
    return st.session_state.setdefault(ATTEMPTS_KEY, {})


def widget_key(question) -> str:
    return f"self_check_{question.id}"


def record(question) -> None:
    """A Check button's callback: check the answer in the question's widget and keep the verdict."""
    given = st.session_state.get(widget_key(question))
    if given is None:
        attempts()[question.id] = {"fingerprint": fingerprint(question), "given": None, "correct": False,
                                   "message": "Give an answer first, then press Check."}
        return
    verdict = check_answer(question, given)
    attempts()[question.id] = {"fingerprint": fingerprint(question), "given": given, "correct": verdict.correct,
                               "message": verdict.message}


def reset() -> None:
    """Forget every attempt and clear the answers typed so far."""
    for question in cached.questions(keep_prob, settings.seed):
        st.session_state.pop(widget_key(question), None)
    attempts().clear()


st.title("Self-check")
st.markdown(
    """
Predict first, then check. The **live** questions are computed from the sidebar's `keep_prob` and
`seed` by the same code the lessons run, so moving either gives you fresh numbers to work out. The
**concept** questions cover the points learners most often trip over, and the **pitfall** questions
the bugs real code ships. Every answer comes with an explanation and a link to the lesson that shows it.
"""
)
st.latex(r"\text{inverted dropout:}\quad \mathrm{out} = a \cdot \frac{m}{\mathrm{keep\_prob}}, \qquad"
         r"\frac{\partial\, \mathrm{out}}{\partial a} = \frac{m}{\mathrm{keep\_prob}}, \qquad m \in \{0, 1\}")

seed = settings.seed
questions = cached.questions(keep_prob, seed)
state = attempts()
current = {q.id: fingerprint(q) for q in questions}


def scored(at_questions) -> tuple[int, int]:
    """(right, checked): the latest answers that belong to these questions as they are now (a live question
    changes with keep_prob and seed, and an answer to its old numbers no longer counts)."""
    now = {q.id: fingerprint(q) for q in at_questions}
    answered = [a for qid, a in state.items() if a["fingerprint"] == now.get(qid) and a["given"] is not None]
    return sum(a["correct"] for a in answered), len(answered)


def score_at(q: float) -> list[Metric]:
    """The score row for keep_prob q (it follows the slider: answers to other numbers do not count there)."""
    at_q = cached.questions(q, seed)
    right, checked = scored(at_q)
    return [
        Metric("right", f"{right}"),
        Metric("checked", f"{checked} of {len(at_q)}"),
        Metric("score", f"{right / checked:.0%}" if checked else "–",
               help="Right answers among the questions you checked (your latest answer to each, for the "
                    "current keep_prob and seed)."),
    ]


n_right, _ = scored(questions)
# Everything the score reads besides keep_prob and the seed: the learner's attempts.
answers = tuple(sorted((qid, a["fingerprint"], a["given"] is not None, bool(a["correct"])) for qid, a in state.items()))
score, reset_column = st.columns([3, 1.3], vertical_alignment="bottom")
with score:
    live_metrics("self_check_score", score_at, keep_prob, depends_on=(seed, answers))
with reset_column:
    st.button("Start over", key="self_check_reset", icon=":material/restart_alt:", on_click=reset,
              help="Forget every answer and the score.")
st.progress(n_right / len(questions), text=f"{n_right} of {len(questions)} questions answered right")
fallback_notice()


def forward_pass_at(q: float):
    fp_q = cached.forward_pass(q, seed)
    return forward_pass_figure(fp_q.activations, fp_q.mask, q)


live_chart("self_check_forward_pass", forward_pass_at, keep_prob, depends_on=(seed,))
st.caption(f"The forward pass the questions use: eight units of a hidden layer during one training step, their "
           f"activations before dropout and the mask that seed {seed} draws at keep_prob {keep_prob:.2f} (blue kept, "
           "grey dropped). The outputs are not shown: predicting them is your job. "
           f"Numbers within {REL_TOL:.0%} (or 0.005) of the answer count as right, so two decimals are enough.")

def show_feedback(question) -> None:
    """Right or wrong, the explanation and the lesson link, if this question was checked as it is now."""
    attempt = state.get(question.id)
    if attempt is None:
        return
    if attempt["fingerprint"] != current[question.id]:
        st.caption("You answered this one for other settings; its numbers have changed since. Try again.")
        return
    if attempt["given"] is None:
        st.warning(attempt["message"], icon=":material/edit:")
        return
    if attempt["correct"]:
        st.success(attempt["message"], icon=":material/check_circle:")
    else:
        st.error(attempt["message"], icon=":material/cancel:")
    st.markdown(question.explanation)
    page, label = LESSON_PAGES[question.lesson]
    st.page_link(page, label=f"See it in the lesson: {label}", icon=":material/arrow_forward:")


def show_question(number: int, question) -> None:
    with st.container(border=True):
        with st.form(f"self_check_form_{question.id}", border=False):
            st.markdown(f"**{number}.** {question.prompt}")
            if isinstance(question, ChoiceQuestion):
                st.radio("Your answer", options=range(len(question.options)), index=None,
                         format_func=question.options.__getitem__, key=widget_key(question))
                st.form_submit_button("Check", on_click=record, args=(question,), icon=":material/fact_check:")
            else:
                answer, button, _ = st.columns([1.3, 1, 3], vertical_alignment="bottom")
                answer.number_input("Your answer", value=None, min_value=question.min_value,
                                    max_value=question.max_value, step=0.01, format="%.4f",
                                    key=widget_key(question), placeholder="type a number")
                with button:
                    st.form_submit_button("Check", on_click=record, args=(question,), icon=":material/fact_check:")
        show_feedback(question)


live = [q for q in questions if not isinstance(q, ChoiceQuestion)]
pitfalls = [q for q in questions if q.lesson == "pitfalls"]
concepts = [q for q in questions if isinstance(q, ChoiceQuestion) and q.lesson != "pitfalls"]
# Lazy views: a keep_prob move rebuilds the questions of the open view only.
live_tab, concepts_tab, pitfalls_tab = view_tabs(VIEWS, key=VIEW_KEY)
with live_tab:
    if live_tab.open:
        st.caption(f"{len(live)} questions on the forward and backward pass above; new numbers for every keep_prob "
                   "and seed.")
        for number, question in enumerate(live, start=1):
            show_question(number, question)
with concepts_tab:
    if concepts_tab.open:
        st.caption(f"{len(concepts)} questions on the points learners most often trip over.")
        for number, question in enumerate(concepts, start=len(live) + 1):
            show_question(number, question)
with pitfalls_tab:
    if pitfalls_tab.open:
        st.caption(f"{len(pitfalls)} questions, one on each bug of the lesson Pitfalls, in its order.")
        for number, question in enumerate(pitfalls, start=len(live) + len(concepts) + 1):
            show_question(number, question)

if keep_prob == 0.0:
    notice = ("at keep_prob 0 every unit is dropped, so outputs and gradients are all 0: move keep_prob up for "
              "questions where the scaling 1 / keep_prob matters.")
elif keep_prob == 1.0:
    notice = ("at keep_prob 1 dropout does nothing (every factor is 1): move keep_prob down for questions where "
              "masks and scaling matter.")
else:
    notice = (f"at keep_prob {keep_prob:.2f} a kept unit is scaled by {1 / keep_prob:.3g} in the forward pass and "
              "its gradient by the very same factor in the backward pass; a dropped unit passes 0 both ways.")
st.success(f"**What to notice:** {notice}", icon=":material/lightbulb:")

show_code(live_forward_pass, dropout_forward, dropout_backward,
          title="Show the code that computes the live answers")
share_link("self_check", keys=(VIEW_KEY,))
st.caption("Instructors: the same link gives every student the same forward pass and the same numbers to work out.")
