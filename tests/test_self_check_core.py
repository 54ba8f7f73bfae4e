"""core/self_check.py: live answers agree with an independent calculation and a numerical gradient,
every confusion of MISSION.md is asked about, and answers are checked with the stated tolerance."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from core import self_check as sc
from core.dropout import dropout_forward
from core.gradcheck import numerical_gradient, relative_error
from ui.lessons import LESSONS

ROOT = Path(__file__).resolve().parents[1]
GRID = [0.0, 0.05, 0.25, 0.3, 0.5, 0.8, 1.0]
SEEDS = [0, 1, 2, 7, 123]


def by_id(questions) -> dict:
    return {q.id: q for q in questions}


@pytest.mark.parametrize("keep_prob", GRID)
@pytest.mark.parametrize("seed", SEEDS)
def test_live_forward_pass_is_inverted_dropout(keep_prob, seed):
    fp = sc.live_forward_pass(keep_prob, seed)
    assert fp.activations.shape == fp.mask.shape == fp.output.shape == fp.gradient.shape == (sc.N_UNITS,)
    scale = 1 / keep_prob if keep_prob > 0 else 0.0
    np.testing.assert_allclose(fp.output, fp.activations * fp.mask * scale)
    np.testing.assert_allclose(fp.gradient, fp.upstream * fp.mask * scale)
    assert np.all(fp.upstream != 0) and np.all((fp.activations >= 0.2) & (fp.activations <= 2.0))
    if keep_prob == 0:
        assert not fp.mask.any() and fp.kept_unit is None
    if keep_prob == 1:
        assert fp.mask.all() and fp.dropped_unit is None
    if fp.kept_unit is not None:
        assert fp.mask[fp.kept_unit]
    if fp.dropped_unit is not None:
        assert not fp.mask[fp.dropped_unit]


@pytest.mark.parametrize("keep_prob", [0.3, 0.5, 0.8])
def test_live_gradients_match_a_numerical_gradient(keep_prob):
    fp = sc.live_forward_pass(keep_prob, 5)

    def forward(a):  # the same Generator seed gives the same mask whatever the values
        return dropout_forward(a, keep_prob, rng=sc.mask_rng(keep_prob, 5))[0]

    numerical = numerical_gradient(forward, fp.activations, fp.upstream)
    assert relative_error(fp.gradient, numerical) < 1e-8


@pytest.mark.parametrize("keep_prob", GRID)
@pytest.mark.parametrize("seed", SEEDS)
def test_live_answers_agree_with_the_formulas(keep_prob, seed):
    fp = sc.live_forward_pass(keep_prob, seed)
    questions = by_id(sc.live_questions(keep_prob, seed))
    scale = 1 / keep_prob if keep_prob > 0 else 0.0
    k = fp.kept_unit if fp.kept_unit is not None else 0
    j = fp.dropped_unit if fp.dropped_unit is not None else 0
    a = fp.activations[-1]
    expected = {
        "live_kept_output": fp.activations[k] * scale if fp.kept_unit is not None else 0.0,
        "live_dropped_gradient": fp.upstream[j] if keep_prob == 1 else 0.0,
        "live_kept_gradient": fp.upstream[k] * scale if fp.kept_unit is not None else 0.0,
        "live_fraction_dropped": 1 - keep_prob,
        "live_standard_test_scale": keep_prob,
        "live_inverted_test_scale": 1.0,
        "live_standard_train_output": fp.activations[k],
        "live_expected_output": a if keep_prob > 0 else 0.0,
        "live_forgot_scaling": keep_prob * a,
        "live_pytorch_p": 1 - keep_prob,
        "live_spatial_channels": sc.N_CHANNELS * (1 - keep_prob),
    }
    assert set(questions) == set(expected)
    for qid, value in expected.items():
        assert questions[qid].answer == pytest.approx(value, abs=1e-9), qid
        assert sc.check_numeric(questions[qid], float(value)).correct, qid
    for question in questions.values():
        text = question.prompt + question.explanation
        assert math.isfinite(question.answer)
        assert "nan" not in text.lower() and "inf" not in text.replace("infer", "").lower(), question.id


def test_live_mask_keeps_keep_prob_of_units_on_average():
    """Over many seeds the live mask keeps keep_prob of the units (within 5 standard errors)."""
    keep_prob, seeds = 0.3, range(400)
    kept = np.concatenate([sc.live_forward_pass(keep_prob, s).mask for s in seeds])
    standard_error = math.sqrt(keep_prob * (1 - keep_prob) / kept.size)
    assert abs(kept.mean() - keep_prob) < 5 * standard_error


def test_live_questions_follow_the_settings():
    a, b, c = (by_id(sc.live_questions(q, s)) for q, s in ((0.5, 0), (0.3, 0), (0.5, 1)))
    assert sc.fingerprint(a["live_fraction_dropped"]) != sc.fingerprint(b["live_fraction_dropped"])
    assert any(sc.fingerprint(a[i]) != sc.fingerprint(c[i]) for i in a)  # the seed changes the forward pass
    assert by_id(sc.live_questions(0.5, 0)) == a  # and the same settings give the same questions


def test_every_confusion_has_a_concept_question_and_the_bank_is_well_formed():
    covered = {n for q in sc.CONCEPT_QUESTIONS for n in q.confusions}
    assert covered == set(range(1, 8))
    questions = sc.all_questions(0.5, 0)
    ids = [q.id for q in questions]
    assert len(ids) == len(set(ids))
    for q in sc.CONCEPT_QUESTIONS:
        assert 0 <= q.correct < len(q.options) and len(set(q.options)) == len(q.options)
        assert len(q.why_not) == len(q.options)
        assert [i for i, reason in enumerate(q.why_not) if not reason] == [q.correct]
        assert sc.check_choice(q, q.correct).correct
        for wrong in set(range(len(q.options))) - {q.correct}:
            verdict = sc.check_choice(q, wrong)
            assert not verdict.correct and q.why_not[wrong] in verdict.message


def test_one_pitfall_question_per_view_of_the_lesson_and_their_numbers_are_the_cores():
    from core import pitfalls

    assert [q.id for q in sc.PITFALL_QUESTIONS] == ["pitfall_left_on", "pitfall_mask_shape", "pitfall_flipped",
                                                     "pitfall_training_loss", "pitfall_batchnorm",
                                                     "pitfall_activation_order"]  # the lesson's order
    page = (ROOT / "pages/pitfalls.py").read_text(encoding="utf-8")
    assert page.count("if tabs[") == len(sc.PITFALL_QUESTIONS)  # one question per view
    for q in sc.PITFALL_QUESTIONS:
        assert q.lesson == "pitfalls" and q.confusions == ()
        assert 0 <= q.correct < len(q.options) and len(set(q.options)) == len(q.options)
        assert [i for i, reason in enumerate(q.why_not) if not reason] == [q.correct]
        assert sc.check_choice(q, q.correct).correct
    questions = by_id(sc.PITFALL_QUESTIONS)
    flipped, batchnorm = questions["pitfall_flipped"], questions["pitfall_batchnorm"]
    assert flipped.options[flipped.correct] == f"{sc.format_number(pitfalls.flipped_bias(0.8))} × a" == "0.25 × a"
    shift = pitfalls.variance_shift(0.5, seed=0, n_samples=200_000)  # the number the question quotes, measured
    assert abs(shift.train_variance_measured - 3) < 4.5 * shift.train_variance_se
    assert "running variance from training, 3," in batchnorm.options[batchnorm.correct]


def test_every_linked_lesson_exists_and_is_registered():
    registered = {lesson.path for lesson in LESSONS}
    for path, label in sc.LESSON_PAGES.values():
        assert (ROOT / path).is_file(), path
        assert path in registered and label
    for q in sc.all_questions(0.5, 0):
        assert q.lesson in sc.LESSON_PAGES


def test_numeric_tolerance():
    question = sc.NumericQuestion("t", "?", 2.0, "", "masks", ())
    assert sc.check_numeric(question, 2.0 * 1.009).correct
    assert not sc.check_numeric(question, 2.0 * 1.011).correct
    zero = sc.NumericQuestion("z", "?", 0.0, "", "masks", ())
    assert sc.check_numeric(zero, 0.004).correct and sc.check_numeric(zero, -0.004).correct
    assert not sc.check_numeric(zero, 0.006).correct
    assert not sc.check_numeric(question, float("nan")).correct
    assert not sc.check_numeric(question, float("inf")).correct
    assert sc.check_numeric(question, 2).correct  # an int is a number too
    verdict = sc.check_numeric(question, 5.0)
    assert "you gave 5" in verdict.message and "answer is 2" in verdict.message


def test_format_number():
    assert sc.format_number(-0.0) == "0"
    assert sc.format_number(2.0) == "2"
    assert sc.format_number(1 / 0.3) == "3.333"


def test_bad_arguments():
    question = sc.live_questions(0.5, 0)[0]
    concept = sc.CONCEPT_QUESTIONS[0]
    with pytest.raises(TypeError, match="value"):
        sc.check_numeric(question, "2")
    with pytest.raises(TypeError, match="value"):
        sc.check_numeric(question, True)
    with pytest.raises(TypeError, match="question"):
        sc.check_numeric(concept, 1.0)
    with pytest.raises(TypeError, match="question"):
        sc.check_choice(question, 0)
    with pytest.raises(ValueError, match="option"):
        sc.check_choice(concept, len(concept.options))
    with pytest.raises(TypeError, match="option"):
        sc.check_choice(concept, 1.0)
    with pytest.raises(ValueError, match="keep_prob"):
        sc.live_questions(1.2, 0)
    with pytest.raises(ValueError, match="seed"):
        sc.live_forward_pass(0.5, -1)
    with pytest.raises(TypeError, match="seed"):
        sc.live_forward_pass(0.5, 1.5)
    with pytest.raises(TypeError, match="question"):
        sc.fingerprint("q")
    assert sc.check_answer(concept, concept.correct).correct
