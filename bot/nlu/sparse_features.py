"""The sentence-level sparse features of messages, as one matrix (all featurizers side by side)."""

from __future__ import annotations

import scipy.sparse
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message


def sentence_counts(messages: list[Message], width: int | None = None) -> scipy.sparse.csr_matrix:
    """One row per message: the combined sentence features of its text.

    A message without features (e.g. empty text) gets an empty row of ``width`` columns.
    """
    rows = []
    for message in messages:
        sentence = message.get_sparse_features(TEXT)[1]
        rows.append(scipy.sparse.csr_matrix(sentence.features) if sentence is not None else None)
    width = width or next((r.shape[1] for r in rows if r is not None), 0)
    return scipy.sparse.vstack(
        [r if r is not None else scipy.sparse.csr_matrix((1, width)) for r in rows]
    ).tocsr()
