"""The answer selector's model: which knowledge entry a question asks for, with a probability.

TF-IDF over three views of the question — characters (1–3-grams), jieba words, pinyin
syllable n-grams (``bot.pinyin``, for homophone typos) — and a multinomial logistic
regression (scikit-learn). On a few hundred short questions this linear model is both more
accurate and far faster to train than a neural selector, and its probabilities are usable
as the answer's own confidence. Persisted as JSON and numpy arrays, never pickled.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import normalize

from bot import pinyin
from bot.text import normalise

META_FILE = "answer_model.json"
ARRAYS_FILE = "answer_model.npz"


def char_view(text: str, words: list[str]) -> str:
    return normalise(text)


def word_view(text: str, words: list[str]) -> str:
    return " ".join(w for w in words if w.strip())


def pinyin_view(text: str, words: list[str]) -> str:
    return " ".join(name for _, name in pinyin.ngrams(pinyin.syllables(text)))


# name -> (view function, CountVectorizer settings)
VIEWS = {
    "char": (char_view, {"analyzer": "char", "ngram_range": (1, 3)}),
    "word": (word_view, {"analyzer": "word", "token_pattern": r"\S+", "lowercase": True}),
    "pinyin": (pinyin_view, {"analyzer": "word", "token_pattern": r"\S+", "lowercase": False}),
}


@dataclass
class _View:
    name: str
    vocabulary: dict[str, int]
    idf: np.ndarray

    def transform(self, texts: list[str]) -> scipy.sparse.csr_matrix:
        settings = VIEWS[self.name][1]
        counts = CountVectorizer(vocabulary=self.vocabulary, **settings).transform(texts)
        counts = counts.astype(np.float64)
        counts.data = 1.0 + np.log(counts.data)  # sublinear tf
        return normalize(counts @ scipy.sparse.diags(self.idf), norm="l2")


class AnswerModel:
    """Fit on (question, words, entry id) triples; rank entries for a new question."""

    def __init__(self, c: float = 10.0):
        self.c = c
        self.views: list[_View] = []
        self.classes: list[str] = []
        self.coef = np.zeros((0, 0))
        self.intercept = np.zeros(0)

    def _features(self, texts: list[str], words: list[list[str]]) -> scipy.sparse.csr_matrix:
        blocks = []
        for view in self.views:
            render = VIEWS[view.name][0]
            blocks.append(view.transform([render(t, w) for t, w in zip(texts, words, strict=True)]))
        return scipy.sparse.hstack(blocks).tocsr()

    def fit(self, texts: list[str], words: list[list[str]], labels: list[str]) -> AnswerModel:
        if len(set(labels)) < 2:
            raise ValueError("the answer selector needs questions of at least two entries")
        self.views = []
        for name, (render, settings) in VIEWS.items():
            vectorizer = TfidfVectorizer(sublinear_tf=True, **settings)
            vectorizer.fit([render(t, w) for t, w in zip(texts, words, strict=True)])
            self.views.append(_View(name, dict(vectorizer.vocabulary_), vectorizer.idf_.copy()))
        x = self._features(texts, words)
        clf = LogisticRegression(C=self.c, max_iter=5000, random_state=0).fit(x, labels)
        self.classes = [str(c) for c in clf.classes_]
        self.coef, self.intercept = clf.coef_, clf.intercept_
        return self

    def rank(self, text: str, words: list[str]) -> list[tuple[str, float]]:
        """Entries with probabilities, best first."""
        if not self.classes:
            return []
        scores = self._features([text], [words]) @ self.coef.T + self.intercept
        scores = np.asarray(scores).ravel()
        probs = np.exp(scores - scores.max())
        probs /= probs.sum()
        order = np.argsort(-probs)
        return [(self.classes[i], float(probs[i])) for i in order]

    def save(self, directory: Path) -> None:
        meta = {
            "c": self.c,
            "classes": self.classes,
            "views": [{"name": v.name, "vocabulary": v.vocabulary} for v in self.views],
        }
        (directory / META_FILE).write_text(json.dumps(meta, ensure_ascii=False))
        arrays = {f"idf_{v.name}": v.idf for v in self.views}
        np.savez(directory / ARRAYS_FILE, coef=self.coef, intercept=self.intercept, **arrays)

    @classmethod
    def load(cls, directory: Path) -> AnswerModel:
        meta = json.loads((directory / META_FILE).read_text())
        arrays = np.load(directory / ARRAYS_FILE, allow_pickle=False)
        model = cls(meta["c"])
        model.classes = meta["classes"]
        model.views = [
            _View(v["name"], {k: int(i) for k, i in v["vocabulary"].items()}, arrays[f"idf_{v['name']}"])
            for v in meta["views"]
        ]
        model.coef, model.intercept = arrays["coef"], arrays["intercept"]
        return model
