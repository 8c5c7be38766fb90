"""The sentence-level sparse features of messages, as one matrix (all featurizers side by side)."""

from __future__ import annotations

import numpy as np
import scipy.sparse
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, FEATURE_TYPE_SEQUENCE, TEXT
from rasa.shared.nlu.training_data.message import Message

# Combining the featurizers' matrices is costly; both classifiers need it, so it is kept on
# the message (not part of the parse output).
_CACHE_KEY = "_sentence_counts"


def _hstack_row(blocks: list[scipy.sparse.spmatrix]) -> scipy.sparse.csr_matrix:
    """One-row matrices side by side (scipy's hstack costs more than the rest of a ranking)."""
    data, indices, offset = [], [], 0
    for block in blocks:
        coo = block.tocoo()
        data.append(coo.data)
        indices.append(coo.col + offset)
        offset += block.shape[1]
    values = np.concatenate(data) if data else np.zeros(0)
    columns = np.concatenate(indices) if indices else np.zeros(0, dtype=np.int64)
    return scipy.sparse.csr_matrix((values, columns, [0, len(values)]), shape=(1, offset))


def _sentence_row(message: Message, cache: bool) -> scipy.sparse.csr_matrix | None:
    cached = message.get(_CACHE_KEY) if cache else None
    if cached is None:
        # The sentence features only, side by side in pipeline order (as Rasa combines them);
        # get_sparse_features() would also combine the much larger sequence features.
        blocks = [
            f.features
            for f in message.features
            if f.attribute == TEXT and f.is_sparse() and f.type == FEATURE_TYPE_SENTENCE
        ]
        cached = _hstack_row(blocks) if blocks else False
        if cache:
            message.set(_CACHE_KEY, cached)
    return cached if cached is not False else None


def sentence_counts(
    messages: list[Message], width: int | None = None, cache: bool = False
) -> scipy.sparse.csr_matrix:
    """One row per message: the combined sentence features of its text.

    A message without features (e.g. empty text) gets an empty row of ``width`` columns.
    ``cache`` keeps the row on the message, for messages parsed at run time (never training
    examples, whose data Rasa fingerprints).
    """
    rows = [_sentence_row(message, cache) for message in messages]
    width = width or next((r.shape[1] for r in rows if r is not None), 0)
    return scipy.sparse.vstack(
        [r if r is not None else scipy.sparse.csr_matrix((1, width)) for r in rows]
    ).tocsr()


_TAIL_CACHE_KEY = "_tail_counts"


def tail_counts(message: Message, start: int, width: int) -> scipy.sparse.csr_matrix | None:
    """The features of the tokens from character ``start`` on, as one row (sum of the
    featurizers' per-token sequence features), or None when they cannot be told apart.
    Kept on the message: both classifiers read the same tail.
    """
    cached = message.get(_TAIL_CACHE_KEY)
    if cached is not None and cached[0] == (start, width):
        return cached[1]
    row = _tail_row(message, start, width)
    message.set(_TAIL_CACHE_KEY, ((start, width), row))
    return row


def _tail_row(message: Message, start: int, width: int) -> scipy.sparse.csr_matrix | None:
    tokens = message.get(TOKENS_NAMES[TEXT]) or []
    blocks = [
        f.features
        for f in message.features
        if f.attribute == TEXT and f.is_sparse() and f.type == FEATURE_TYPE_SEQUENCE
    ]
    if not tokens or not blocks or any(b.shape[0] != len(tokens) for b in blocks):
        return None
    if sum(b.shape[1] for b in blocks) != width:
        return None
    rows = np.array([i for i, token in enumerate(tokens) if token.start >= start])
    if len(rows) == 0 or len(rows) == len(tokens):
        return None
    # Sum the tail rows of each block first: stacking whole sequence matrices is the costly part.
    sums = [scipy.sparse.csr_matrix(scipy.sparse.csr_matrix(b)[rows].sum(axis=0)) for b in blocks]
    return _hstack_row(sums)
