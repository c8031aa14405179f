import numpy as np
import pytest

from course_lib import metrics


def test_accuracy_and_confusion_by_hand():
    y_true = [0, 0, 1, 1, 2, 2]
    y_pred = [0, 1, 1, 1, 2, 0]
    assert metrics.accuracy(y_true, y_pred) == pytest.approx(4 / 6)
    np.testing.assert_array_equal(
        metrics.confusion_matrix(y_true, y_pred), [[1, 1, 0], [0, 2, 0], [1, 0, 1]]
    )
    scores = np.eye(3)[y_pred] + 0.01
    assert metrics.accuracy(y_true, scores) == pytest.approx(4 / 6)  # argmax of scores
    assert metrics.confusion_matrix([0], [0], num_classes=3).shape == (3, 3)


def test_f1_by_hand():
    # one class: tp=2, fp=1, fn=1 -> F1 = 2*2 / (2*2 + 1 + 1) = 2/3
    f1 = metrics.f1_scores([1, 1, 1, 0], [1, 1, 0, 1])
    assert f1["micro"] == pytest.approx(0.5)  # 2 of 4 correct as single-label micro
    multi = metrics.f1_scores([[1, 0], [1, 1]], [[1, 0], [0, 1]])
    assert multi["micro"] == pytest.approx(2 * 2 / (2 * 2 + 0 + 1))
    assert multi["macro"] == pytest.approx((2 / 3 + 1.0) / 2)


def test_tagging_scores_by_hand():
    y_true = np.array([[1, 0, 1], [0, 1, 1], [1, 1, 1], [0, 0, 1]])
    y_score = np.array([[0.9, 0.2, 0.5], [0.1, 0.8, 0.5], [0.4, 0.3, 0.5], [0.6, 0.1, 0.5]])
    s = metrics.tagging_scores(y_true, y_score, ["rock", "piano", "music"])
    # rock: positives 0.9, 0.4; negatives 0.1, 0.6 -> 3 of 4 pairs ordered: AUC 0.75
    assert s.per_tag["rock"]["roc_auc"] == pytest.approx(0.75)
    # rock PR-AUC: ranking 0.9(+), 0.6(-), 0.4(+), 0.1(-) -> AP = (1 + 2/3) / 2
    assert s.per_tag["rock"]["pr_auc"] == pytest.approx((1 + 2 / 3) / 2)
    # piano: positives 0.8, 0.3; negatives 0.2, 0.1 -> perfect
    assert s.per_tag["piano"]["roc_auc"] == 1.0 and s.per_tag["piano"]["pr_auc"] == 1.0
    assert s.skipped == ["music"]  # always positive: no AUC
    assert s.roc_auc == pytest.approx((0.75 + 1.0) / 2)
    assert "ROC-AUC 0.8750" in str(s)


def test_random_scores_give_chance_auc():
    rng = np.random.default_rng(0)
    y_true = rng.random((4000, 5)) < 0.3
    s = metrics.tagging_scores(y_true.astype(int), rng.random((4000, 5)))
    assert s.roc_auc == pytest.approx(0.5, abs=0.02)
    assert s.pr_auc == pytest.approx(0.3, abs=0.02)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: metrics.accuracy([0, 1], [0]), "must match"),
        (lambda: metrics.accuracy([], []), "empty"),
        (lambda: metrics.accuracy([[0, 1]], [0]), "1-D"),
        (lambda: metrics.tagging_scores(np.ones((2, 3)), np.ones((2, 2))), r"\(n_clips, n_tags\)"),
        (lambda: metrics.tagging_scores(np.full((2, 2), 2), np.ones((2, 2))), "0/1"),
        (lambda: metrics.tagging_scores([[1, 0], [0, 1]], [[np.nan, 0], [0, 1]]), "NaN"),
        (lambda: metrics.tagging_scores([[1, 1], [1, 1]], [[1, 0], [0, 1]]), "undefined"),
        (lambda: metrics.tagging_scores([[1, 0], [0, 1]], [[1, 0], [0, 1]], ["a"]), "tag names"),
        (lambda: metrics.f1_scores([1, 0], [[1, 0]]), "one shape"),
    ],
)
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()
