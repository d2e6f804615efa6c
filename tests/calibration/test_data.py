"""Coding long-format responses and the sparse indicator."""
from __future__ import annotations

import numpy as np
import pytest

from calibration.data import encode, factorize, indicator, subset


@pytest.mark.parametrize("values", [
    np.array([5, 3, 3, 9, -2]), np.array([10**12, 1, 1]), np.array(["b", "a", "bb", "a", "é", ""]),
    np.array([2.5, 1.0, 2.5]), np.array([f"learner-{k % 97}" for k in range(5000)]),
])
def test_factorize_equals_numpy_unique(values):
    unique, codes = factorize(values)
    expected_unique, expected_codes = np.unique(values, return_inverse=True)
    assert np.array_equal(unique, expected_unique) and np.array_equal(codes, expected_codes)


def test_indicator_counts_repeated_answers_and_subset_recodes_learners():
    responses = encode(np.array(["x", "x", "y", "z"]), np.array(["i1", "i1", "i2", "i1"]), np.array([1, 1, 0, 0]))
    assert list(responses.answered_by_several()) == [True, False]
    x = indicator(responses, 2)
    assert x.matrix.shape == (3, 4) and x.matrix[0, 1] == 2.0 and x.transpose.shape == (4, 3)
    kept = subset(responses, responses.item == 0)
    assert list(kept.learner_ids) == ["x", "z"] and list(kept.learner) == [0, 0, 1]
    assert list(responses.categories_per_item()) == [2, 1]


def test_encode_rejects_mismatched_or_fractional_input():
    with pytest.raises(ValueError, match="one length"):
        encode(np.array([1, 2]), np.array(["a"]), np.array([0, 1]))
    with pytest.raises(ValueError, match="non-negative integers"):
        encode(np.array([1]), np.array(["a"]), np.array([0.5]))
    with pytest.raises(ValueError, match="no responses"):
        encode(np.array([]), np.array([]), np.array([]))
