"""CEFR cut scores from the levels authors gave the items: the RP67 bookmark rule.

An item's RP67 location is the ability at which it is answered with
probability :data:`RESPONSE_PROBABILITY` = 0.67 (Mitzel, Lewis, Patz & Green,
2001; Huynh, 2006). For a 3PL item

.. math::

    \\theta_{67} = b + \\frac{1}{a}\\operatorname{logit}\\frac{0.67 - c}{1 - c}

(undefined when :math:`c \\ge 0.67`); for a GPCM item it is where the expected
score reaches 0.67 of the maximum (solved by bisection).

The cut between levels :math:`L_{k-1}` and :math:`L_k` is the **median** of
:math:`\\theta_{67}` over the items the authors tagged :math:`L_k`: a learner
at the cut answers half of the :math:`L_k` items with probability 0.67 or
more. The interval is the percentile bootstrap (Efron & Tibshirani, 1993) of
that median, resampling the :math:`L_k` items with replacement. Cuts are
computed per language; a level without items gives no cut.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import logit

from engine import cefr, models

RESPONSE_PROBABILITY = 0.67
DEFAULT_BOOTSTRAP = 1000
DEFAULT_CONFIDENCE = 0.95
#: Bisection bracket (logits) and iterations for GPCM items (2^-50 of 40 logits).
BISECTION_BRACKET = 20.0
BISECTION_STEPS = 50


@dataclass(frozen=True)
class CutScore:
    """One cut between two adjacent levels in one language."""

    language: str
    lower: str
    upper: str
    theta: float
    low: float
    high: float
    n_items: int


def rp_theta(a: np.ndarray, steps: np.ndarray, c: np.ndarray, gpcm: bool,
             probability: float = RESPONSE_PROBABILITY) -> np.ndarray:
    """Ability where each item is answered with ``probability`` (module docstring), shape (m,)."""
    if not gpcm:
        with np.errstate(invalid="ignore", divide="ignore"):
            share = (probability - c) / (1 - c)
            return np.where(share > 0, steps[:, 0] + logit(np.where(share > 0, share, 0.5)) / a, np.nan)
    top = (~np.isnan(steps)).sum(axis=1)
    low = np.full(len(a), -BISECTION_BRACKET)
    high = np.full(len(a), BISECTION_BRACKET)
    for _ in range(BISECTION_STEPS):
        middle = (low + high) / 2
        below = models.gpcm_expected_score(0.0, a, steps - middle[:, None]) < probability * top
        low, high = np.where(below, middle, low), np.where(below, high, middle)
    return (low + high) / 2


def cut_scores(theta67: np.ndarray, levels: np.ndarray, languages: np.ndarray, rng: np.random.Generator,
               n_bootstrap: int = DEFAULT_BOOTSTRAP, confidence: float = DEFAULT_CONFIDENCE
               ) -> list[CutScore]:
    """Cuts between consecutive :data:`engine.cefr.LEVELS` per language, with bootstrap intervals.

    Parameters
    ----------
    theta67 : (m,) RP67 locations; NaN items are left out.
    levels, languages : (m,) the authors' level tag and the language of each item.
    rng : numpy.random.Generator for the bootstrap.
    """
    tail = (1 - confidence) / 2
    out = []
    for language in sorted(set(languages.tolist())):
        for lower, upper in zip(cefr.LEVELS[:-1], cefr.LEVELS[1:]):
            values = theta67[(languages == language) & (levels == upper) & np.isfinite(theta67)]
            if values.size == 0:
                continue
            draws = np.median(values[rng.integers(0, values.size, (n_bootstrap, values.size))], axis=1)
            low, high = np.quantile(draws, [tail, 1 - tail])
            out.append(CutScore(language, lower, upper, float(np.median(values)), float(low), float(high),
                                int(values.size)))
    return out
