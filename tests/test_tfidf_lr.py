import numpy as np
import pytest
import scipy.sparse

from bot.tfidf_lr import TfidfLogisticRegression

# Columns: 宅基地, 集体, 草场, 承包, 骗子, 转账
COUNTS = scipy.sparse.csr_matrix(
    np.array(
        [
            [1, 1, 0, 0, 0, 0],
            [2, 1, 0, 0, 0, 0],
            [1, 0, 0, 0, 0, 0],
            [0, 0, 1, 1, 0, 0],
            [0, 0, 1, 2, 0, 0],
            [0, 0, 0, 1, 0, 0],
            [0, 0, 0, 0, 1, 1],
            [0, 0, 0, 0, 1, 0],
            [0, 0, 0, 0, 0, 1],
        ]
    )
)
LABELS = ["HS01"] * 3 + ["GL02"] * 3 + ["EF07"] * 3


def test_ranks_labels_with_probabilities():
    model = TfidfLogisticRegression(30).fit(COUNTS, LABELS)
    ranked = model.rank(scipy.sparse.csr_matrix([[0, 0, 1, 0, 0, 0], [0, 0, 0, 0, 2, 1]]))
    assert [r[0][0] for r in ranked] == ["GL02", "EF07"]
    assert all(abs(sum(p for _, p in r) - 1) < 1e-9 for r in ranked)


def test_rare_terms_weigh_more_than_common_ones():
    model = TfidfLogisticRegression(10).fit(COUNTS, LABELS)
    assert model.idf[1] > model.idf[0]  # 集体 appears in fewer questions than 宅基地


def test_binary_problem_gives_two_probabilities():
    model = TfidfLogisticRegression(10).fit(COUNTS[:6], LABELS[:6])
    ranked = model.rank(COUNTS[:1])[0]
    assert ranked[0][0] == "HS01" and len(ranked) == 2 and ranked[0][1] > 0.5


def test_save_and_load_without_pickle(tmp_path):
    model = TfidfLogisticRegression(30).fit(COUNTS, LABELS)
    model.save(tmp_path)
    loaded = TfidfLogisticRegression.load(tmp_path)
    assert loaded.rank(COUNTS) == model.rank(COUNTS)
    assert sorted(p.suffix for p in tmp_path.iterdir()) == [".json", ".npz"]


def test_wrong_width_is_a_clear_error():
    model = TfidfLogisticRegression().fit(COUNTS, LABELS)
    with pytest.raises(ValueError, match="expected 6 features"):
        model.rank(scipy.sparse.csr_matrix((1, 4)))


def test_ranking_matches_the_matrix_computation():
    """The per-row shortcut of rank() gives the probabilities of the plain matrix product."""
    model = TfidfLogisticRegression(30).fit(COUNTS, LABELS)
    scores = model._weigh(COUNTS) @ model.coef.T + model.intercept
    probs = np.exp(scores - scores.max(axis=1, keepdims=True))
    probs /= probs.sum(axis=1, keepdims=True)
    for row, ranked in zip(probs, model.rank(COUNTS), strict=True):
        for label, p in ranked:
            assert p == pytest.approx(row[model.classes.index(label)])
