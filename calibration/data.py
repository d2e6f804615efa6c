"""Long-format responses as integer codes and the sparse indicator matrix of the EM.

The EM never forms the learner x item matrix. Each response ``(i, j, x)``
becomes a 1 in column ``j * S + x`` of a sparse learner x (item, category)
matrix :math:`X` (``S`` = the largest number of categories of any item, 2
for dichotomous items). With the item x node table of log-probabilities
:math:`T_{(j,x), q} = \\log P_{jx}(\\theta_q)`, the log-likelihood of every
learner at every node is one sparse product, and the expected counts of the
M-step are another:

.. math::

    \\ell_{iq} = (X T)_{iq}, \\qquad \\bar r_{(j,x), q} = (X^\\top P)_{(j,x), q},

with :math:`P` the learners' posterior weights on the nodes.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

#: Multiplier of the polynomial string hash in :func:`factorize` (a large odd 64-bit constant).
HASH_MULTIPLIER = np.uint64(0x100000001B3)
#: Integer ids are coded by counting when their range is at most this many times their number.
DENSE_RANGE_FACTOR = 4


@dataclass(frozen=True)
class Responses:
    """Responses coded as integers.

    Attributes
    ----------
    learner, item, score : numpy.ndarray, shape (N,)
        Learner code, item code and score of each response.
    learner_ids, item_ids : numpy.ndarray
        The original ids of the codes (sorted).
    """

    learner: np.ndarray
    item: np.ndarray
    score: np.ndarray
    learner_ids: np.ndarray
    item_ids: np.ndarray

    @property
    def n_learners(self) -> int:
        return len(self.learner_ids)

    @property
    def n_items(self) -> int:
        return len(self.item_ids)

    def counts_per_item(self) -> np.ndarray:
        """Number of responses to each item."""
        return np.bincount(self.item, minlength=self.n_items)

    def answered_by_several(self) -> np.ndarray:
        """Whether each item was answered by at least two distinct learners (lowest code != highest)."""
        lowest = np.full(self.n_items, self.n_learners, dtype=np.int64)
        highest = np.full(self.n_items, -1, dtype=np.int64)
        np.minimum.at(lowest, self.item, self.learner)
        np.maximum.at(highest, self.item, self.learner)
        return highest > lowest

    def categories_per_item(self) -> np.ndarray:
        """Highest observed score + 1 for each item (0 for an item without responses)."""
        top = np.full(self.n_items, -1, dtype=np.int64)
        np.maximum.at(top, self.item, self.score)
        return top + 1


def encode(learners, item_ids, scores) -> Responses:
    """Integer codes for learner and item ids; scores must be integers >= 0.

    Raises
    ------
    ValueError
        If the arrays differ in length, are empty, or a score is not a
        non-negative integer.
    """
    learners, item_ids, scores = (np.asarray(x) for x in (learners, item_ids, scores))
    if not (learners.shape == item_ids.shape == scores.shape) or learners.ndim != 1:
        raise ValueError("learners, item_ids and scores must be 1-D arrays of one length")
    if learners.size == 0:
        raise ValueError("no responses")
    integer_scores = scores.astype(np.int64)
    if np.any(integer_scores != scores) or np.any(integer_scores < 0):
        raise ValueError("scores must be non-negative integers")
    learner_ids, learner = factorize(learners)
    item_ids_unique, item = factorize(item_ids)
    return Responses(learner, item, integer_scores, learner_ids, item_ids_unique)


def factorize(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct values and the code of each value, like ``np.unique(..., return_inverse=True)``.

    Integers spanning a range at most :data:`DENSE_RANGE_FACTOR` times the
    number of values are coded by counting (no sort). Sorting millions of
    strings is slow, so a fixed-width string array is
    first reduced to a 64-bit polynomial hash of its code points
    (:data:`HASH_MULTIPLIER`, wrapping arithmetic); the distinct hashes are
    found with an integer sort, and the result is used only if every value
    equals the representative of its hash (no collision). Otherwise, and for
    other dtypes, it is ``np.unique``.
    """
    values = np.ascontiguousarray(values)
    if values.dtype.kind in "iu" and values.size:
        low = values.min()
        span = int(values.max()) - int(low) + 1
        if span <= DENSE_RANGE_FACTOR * values.size:
            present = np.bincount(values - low, minlength=span) > 0
            rank = np.cumsum(present) - 1
            return np.flatnonzero(present).astype(values.dtype) + low, rank[values - low].astype(np.int64)
    if values.dtype.kind != "U" or values.dtype.itemsize == 0:
        unique, codes = np.unique(values, return_inverse=True)
        return unique, codes.astype(np.int64).reshape(-1)
    points = values.view(np.uint32).reshape(len(values), -1)  # a view: no copy of the strings
    digest = np.zeros(len(values), dtype=np.uint64)
    for column in range(points.shape[1]):
        digest *= HASH_MULTIPLIER
        digest += points[:, column]
    _, first, codes = np.unique(digest, return_index=True, return_inverse=True)
    labels = values[first]
    if not np.array_equal(labels[codes], values):
        unique, codes = np.unique(values, return_inverse=True)
        return unique, codes.astype(np.int64)
    order = np.argsort(labels)
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return labels[order], rank[codes].astype(np.int64)


def subset(responses: Responses, keep: np.ndarray) -> Responses:
    """The responses where ``keep`` is true, learners re-coded, items kept as they are."""
    if keep.all():
        return responses
    present = np.bincount(responses.learner[keep], minlength=responses.n_learners) > 0
    recode = np.cumsum(present) - 1
    return Responses(recode[responses.learner[keep]], responses.item[keep], responses.score[keep],
                     responses.learner_ids[present], responses.item_ids)


@dataclass(frozen=True)
class Indicator:
    """The sparse indicator :math:`X` (learners x item-categories), CSR, and its transpose.

    The transpose is the CSC view of the same arrays: :math:`X^\\top P` then
    walks the learners in order and scatters into the small item table, which
    stays in cache (a CSR transpose would gather rows of ``P`` at random and
    run several times slower).
    """

    matrix: sparse.csr_matrix
    transpose: sparse.csc_matrix
    stride: int


def indicator(responses: Responses, stride: int) -> Indicator:
    """Build :math:`X` with a 1 at ``(learner, item * stride + score)`` for each response."""
    shape = (responses.n_learners, responses.n_items * stride)
    ones = np.ones(len(responses.learner))
    columns = responses.item * stride + responses.score
    matrix = sparse.csr_matrix((ones, (responses.learner, columns)), shape=shape)
    return Indicator(matrix, matrix.T, stride)
