"""When an adaptive test stops: length bounds, precision, and an SPRT at the CEFR cuts.

:func:`should_stop` combines the rules in this order:

1. stop at ``max_items``;
2. never stop before ``min_items``;
3. stop when the posterior SD is at most ``se_target`` (``None`` switches this off);
4. with ``classify=True``, stop when :func:`sprt_decision` has decided the level
   at ``cuts``. The cuts are used by this rule only: a call with cuts and
   ``classify=False`` (the service's placement test) is a precision rule.

The classification rule is Wald's (1947) sequential probability ratio test
applied at each cut score :math:`\\theta_c` (Spray & Reckase, 1996; Eggen,
1999). With indifference half-width :math:`\\delta` it compares
:math:`H_0: \\theta = \\theta_c - \\delta` against :math:`H_1: \\theta = \\theta_c + \\delta`:

.. math::

    \\Lambda_c = \\log L(\\theta_c + \\delta) - \\log L(\\theta_c - \\delta),
    \\quad
    \\Lambda_c \\ge \\log\\frac{1 - \\beta}{\\alpha} \\Rightarrow \\text{above } \\theta_c,
    \\quad
    \\Lambda_c \\le \\log\\frac{\\beta}{1 - \\alpha} \\Rightarrow \\text{below } \\theta_c.

With several cuts (Eggen, 1999) the level is decided when, for the band the
learner's EAP is in, the test at the cut below it says "above" and the test
at the cut above it says "below" (the lowest and highest bands have one
neighbouring cut).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.cefr import CutScores, check_cuts, level_index

#: Default test length bounds and precision target (logits).
MIN_ITEMS = 5
MAX_ITEMS = 40
SE_TARGET = 0.3
#: SPRT defaults: indifference half-width (logits) and error rates.
INDIFFERENCE_HALF_WIDTH = 0.3
ALPHA = 0.05
BETA = 0.05

#: Verdicts of the test at one cut.
BELOW, UNDECIDED, ABOVE = -1, 0, 1


@dataclass(frozen=True)
class SPRTDecision:
    """Outcome of the SPRT at every cut.

    Attributes
    ----------
    decided : bool
        Whether the band of the EAP is decided (module notes).
    level : int
        Band of the EAP, 0 below the first cut.
    log_ratios : tuple of float
        :math:`\\Lambda_c` at each cut.
    verdicts : tuple of int
        :data:`ABOVE`, :data:`BELOW` or :data:`UNDECIDED` at each cut.
    """

    decided: bool
    level: int
    log_ratios: tuple[float, ...]
    verdicts: tuple[int, ...]


def sprt_bounds(alpha: float = ALPHA, beta: float = BETA) -> tuple[float, float]:
    """Wald's (1947) bounds on the log likelihood ratio: ``(log(beta/(1-alpha)), log((1-beta)/alpha))``."""
    if not (0.0 < alpha < 0.5 and 0.0 < beta < 0.5):
        raise ValueError("alpha and beta must be in (0, 0.5)")
    return float(np.log(beta / (1.0 - alpha))), float(np.log((1.0 - beta) / alpha))


def sprt_decision(posterior, cuts: CutScores, delta: float = INDIFFERENCE_HALF_WIDTH,
                  alpha: float = ALPHA, beta: float = BETA) -> SPRTDecision:
    """The SPRT at each cut score and whether the learner's level is decided (module notes).

    Parameters
    ----------
    posterior : GridPosterior
        Only its log-likelihood (interpolated between nodes) and EAP are used.
    cuts : sequence of float
        Increasing cut scores.
    delta : float
        Indifference half-width :math:`\\delta > 0`.
    alpha, beta : float
        Nominal error rates of each test: deciding "above" when
        :math:`\\theta = \\theta_c - \\delta`, and "below" when
        :math:`\\theta = \\theta_c + \\delta`.
    """
    checked = check_cuts(cuts)
    if delta <= 0:
        raise ValueError("delta must be > 0")
    lower, upper = sprt_bounds(alpha, beta)
    log_ratios = posterior.log_likelihood_at(checked + delta) - posterior.log_likelihood_at(checked - delta)
    verdicts = np.where(log_ratios >= upper, ABOVE, np.where(log_ratios <= lower, BELOW, UNDECIDED))
    level = int(level_index(posterior.estimate().theta, checked))
    decided = ((level == 0 or verdicts[level - 1] == ABOVE)
               and (level == checked.size or verdicts[level] == BELOW))
    return SPRTDecision(bool(decided), level, tuple(log_ratios.tolist()), tuple(verdicts.tolist()))


def should_stop(posterior, answered: int, *, cuts: CutScores | None = None,
                min_items: int = MIN_ITEMS, max_items: int = MAX_ITEMS,
                se_target: float | None = SE_TARGET, classify: bool = False,
                delta: float = INDIFFERENCE_HALF_WIDTH, alpha: float = ALPHA, beta: float = BETA) -> bool:
    """Whether an adaptive test stops after ``answered`` items (rules in the module notes).

    ``classify=True`` needs ``cuts``; pass ``se_target=None`` to stop on the
    classification alone (as ``b1engine simulate-cat --classify`` does).
    """
    if answered >= max_items:
        return True
    if answered < min_items:
        return False
    if se_target is not None and posterior.estimate().se <= se_target:
        return True
    if classify:
        if cuts is None:
            raise ValueError("classify=True needs cuts")
        return sprt_decision(posterior, cuts, delta, alpha, beta).decided
    return False
