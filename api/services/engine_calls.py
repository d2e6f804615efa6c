"""The service's calls into the engine's selection and stopping rules and the calibrator.

One place that adapts arrays from the database to the engine's functions; no
statistics are computed here.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np


def select_item(posterior, a: np.ndarray, b: np.ndarray, c: np.ndarray, available: np.ndarray,
                mode: str, target: float, top_k: int, rng: np.random.Generator) -> int:
    """Index of the next item: most informative (placement) or nearest ``target`` success (drill)."""
    from engine import selection

    if mode == "drill":
        return int(selection.select_practice(posterior, a, b, c, available, target=target, rng=rng))
    return int(selection.select_item(posterior, a, b, c, available, top_k=top_k, rng=rng))


def placement_should_stop(posterior, answered: int, min_items: int, max_items: int,
                          se_target: float) -> bool:
    """The engine's precision rule (length bounds and SE target); no classification rule."""
    from engine import stopping

    return bool(stopping.should_stop(posterior, answered, min_items=min_items,
                                     max_items=max_items, se_target=se_target))


def fit_items(learners: np.ndarray, item_ids: np.ndarray, scores: np.ndarray,
              anchors: Mapping[str, tuple[float, float, float]]) -> dict[str, dict[str, Any]]:
    """Item parameters (2PL) fitted on long-format responses, anchored items held fixed.

    Items answered by fewer than two learners are left out (the calibrator
    reports them as ``insufficient_data`` with no parameters).
    """
    from calibration import Calibrator

    fitted = Calibrator(anchors=dict(anchors)).fit(learners, item_ids, scores)
    return {str(i): {"a": float(a), "b": float(b), "c": float(c), "se_b": float(se)}
            for i, a, b, c, se, status in zip(fitted.item_ids_, fitted.a_, fitted.b_, fitted.c_,
                                               fitted.se_b_, fitted.status_)
            if status != "insufficient_data"}
