"""TF-IDF weighting and logistic regression over sparse count features (no Rasa imports).

The featurizers of the pipeline (words, character n-grams, pinyin n-grams) give counts;
weighting them by inverse document frequency, damping repeated terms (1 + log tf) and
normalising each message makes a linear model accurate on a few hundred short questions,
trains in seconds and yields probabilities usable as confidences. Persisted as JSON and
numpy arrays, never pickled.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import scipy.sparse
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import normalize

META_FILE = "tfidf_lr.json"
ARRAYS_FILE = "tfidf_lr.npz"


class TfidfLogisticRegression:
    """Fit on count matrices and labels; rank labels for new rows."""

    def __init__(self, c: float = 10.0):
        self.c = c
        self.idf = np.zeros(0)
        self.classes: list[str] = []
        self.coef = np.zeros((0, 0))
        self.intercept = np.zeros(0)
        self._coef_by_feature: np.ndarray | None = None

    def _weigh(self, counts: scipy.sparse.spmatrix) -> scipy.sparse.csr_matrix:
        x = scipy.sparse.csr_matrix(counts, dtype=np.float64, copy=True)
        if x.shape[1] != len(self.idf):
            raise ValueError(f"expected {len(self.idf)} features, got {x.shape[1]}")
        x.data = np.where(x.data > 0, 1.0 + np.log(np.maximum(x.data, 1e-12)), 0.0) * self.idf[x.indices]
        return normalize(x, norm="l2", copy=False)

    def fit(self, counts: scipy.sparse.spmatrix, labels: list[str]) -> TfidfLogisticRegression:
        if len(set(labels)) < 2:
            raise ValueError("need examples of at least two labels")
        x = scipy.sparse.csr_matrix(counts)
        document_frequency = np.bincount(x.indices, minlength=x.shape[1])
        self.idf = np.log((1 + x.shape[0]) / (1 + document_frequency)) + 1.0
        clf = LogisticRegression(C=self.c, max_iter=5000, random_state=0).fit(self._weigh(x), labels)
        self.classes = [str(c) for c in clf.classes_]
        self.coef, self.intercept = clf.coef_, clf.intercept_
        self._coef_by_feature = None
        return self

    def _weigh_row(self, indices: np.ndarray, counts: np.ndarray) -> np.ndarray:
        """``_weigh`` for the non-zero entries of one row, without building a matrix."""
        values = np.where(counts > 0, 1.0 + np.log(np.maximum(counts, 1e-12)), 0.0) * self.idf[indices]
        norm = np.sqrt(values @ values)
        return values / norm if norm > 0 else values

    def rank(self, counts: scipy.sparse.spmatrix) -> list[list[tuple[str, float]]]:
        """For each row, the labels with probabilities, best first."""
        x = scipy.sparse.csr_matrix(counts, dtype=np.float64)
        if x.shape[1] != len(self.idf):
            raise ValueError(f"expected {len(self.idf)} features, got {x.shape[1]}")
        x.sum_duplicates()
        if self._coef_by_feature is None:
            self._coef_by_feature = np.ascontiguousarray(self.coef.T)
        # Only the features a message has (a few dozen of thousands): gathering their rows of
        # the feature-major weights is the cheapest product (this runs on every reply).
        scores = np.vstack(
            [
                self._weigh_row(x.indices[a:b], x.data[a:b]) @ self._coef_by_feature[x.indices[a:b]]
                for a, b in zip(x.indptr[:-1], x.indptr[1:], strict=True)
            ]
        )
        scores = scores + self.intercept
        if len(self.classes) == 2:  # binary LogisticRegression keeps one row of weights
            scores = np.hstack([-scores, scores]) / 2
        scores -= scores.max(axis=1, keepdims=True)
        probs = np.exp(scores)
        probs /= probs.sum(axis=1, keepdims=True)
        out = []
        for row in probs:
            order = np.argsort(-row)
            out.append([(self.classes[i], float(row[i])) for i in order])
        return out

    def save(self, directory: Path) -> None:
        (directory / META_FILE).write_text(
            json.dumps({"c": self.c, "classes": self.classes}, ensure_ascii=False)
        )
        np.savez(directory / ARRAYS_FILE, idf=self.idf, coef=self.coef, intercept=self.intercept)

    @classmethod
    def load(cls, directory: Path) -> TfidfLogisticRegression:
        meta = json.loads((directory / META_FILE).read_text())
        arrays = np.load(directory / ARRAYS_FILE, allow_pickle=False)
        model = cls(meta["c"])
        model.classes = meta["classes"]
        model.idf, model.coef, model.intercept = arrays["idf"], arrays["coef"], arrays["intercept"]
        model._coef_by_feature = None
        return model
