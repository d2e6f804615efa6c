"""When an adaptive test stops: length bounds, precision, and classification at the CEFR cuts.

:func:`should_stop` combines the rules in this order:

1. stop at ``max_items``;
2. never stop before ``min_items``;
3. stop when the posterior SD is at most ``se_target`` (``None`` switches this off);
4. with ``classify=True``, stop when :func:`classification_decision` has decided
   the level at ``cuts``. The cuts are used by this rule only: a call with cuts
   and ``classify=False`` is a precision rule.

Classification at one cut :math:`\\theta_c` with indifference half-width
:math:`\\delta` tests :math:`H_0: \\theta \\le \\theta_c - \\delta` against
:math:`H_1: \\theta \\ge \\theta_c + \\delta` with Wald's (1947) bounds,

.. math::

    \\Lambda_c \\ge \\log\\frac{1 - \\beta}{\\alpha} \\Rightarrow \\text{above } \\theta_c,
    \\qquad
    \\Lambda_c \\le \\log\\frac{\\beta}{1 - \\alpha} \\Rightarrow \\text{below } \\theta_c,

on one of two statistics (``rule``), with :math:`\\ell` the log-likelihood of the answers:

- ``"sprt"``, the sequential probability ratio test at the two points
  (Wald, 1947; Spray & Reckase, 1996; Eggen, 1999):
  :math:`\\Lambda_c = \\ell(\\theta_c + \\delta) - \\ell(\\theta_c - \\delta)`;
- ``"glr"``, the generalized likelihood ratio of the two composite hypotheses
  (Huang, 2004; Thompson, 2009, 2011; Bartroff, Finkelman & Lai, 2008):

  .. math::

      \\Lambda_c = \\max_{\\theta \\ge \\theta_c + \\delta} \\ell(\\theta)
                 - \\max_{\\theta \\le \\theta_c - \\delta} \\ell(\\theta).

  When the maximum likelihood estimate lies inside the indifference region
  the two statistics agree; outside it the GLR compares the best-fitting
  ability with the nearer end of the other hypothesis, so it is never
  smaller in absolute value than the SPRT's and a learner far from the cut
  is classified sooner at the same nominal error rates (Thompson, 2009:
  "always at least as efficient as the fixed-point SPRT while maintaining
  equivalent levels of accuracy"). On the grid each maximum is taken over
  the nodes of its region and the interpolated value at its end: never above
  the continuous maximum, and below it by at most :math:`h^2 J / 8` (0.005 per
  unit of :math:`J`, the log-likelihood's largest curvature there, about the test information).

With several cuts (Eggen, 1999; Eggen & Straetmans, 2000) the level is
decided when, for the band the learner's EAP is in, the test at the cut below
it says "above" and the test at the cut above it says "below" (the lowest and
highest bands have one neighbouring cut).

**Stochastic curtailment** (Finkelman, 2008; for several categories Wang,
Chen & Huebner, 2020). A test that has not decided by its end reports the
band of its final estimate; its end is ``max_items``, or, with ``curtail_se``
:math:`= h`, the point where its posterior SD would reach :math:`h`, whichever
comes first (the test is then a curtailed precision test at SE :math:`h`). It may
stop as soon as the band at its end is unlikely to differ from the current
one: with ``curtail`` :math:`=\\gamma`, when

.. math::

    \\Pr\\big(\\hat\\theta_N \\in [t_{k}, t_{k+1}) \\mid u\\big) \\ge \\gamma,

:math:`[t_k, t_{k+1})` the band of the current EAP :math:`\\hat\\theta`. The final
estimate is taken as normal (Sie, Finkelman, Bartroff & Thompson, 2015) with the
posterior predictive variance: the remaining :math:`R` items add information
:math:`I_F` (taken as that of the :math:`R` most informative items left, at
the grid node nearest :math:`\\hat\\theta`), the final posterior variance is
:math:`\\sigma_N^2 = \\max\\big((\\sigma^{-2} + I_F)^{-1}, h^2\\big)` and

.. math::

    \\hat\\theta_N \\sim N\\big(\\hat\\theta,\\ \\sigma^2 - \\sigma_N^2\\big),

the variance of the estimate's change from now to the end (it integrates over
the ability's posterior, so it is wider than Finkelman's plug-in at
:math:`\\theta = \\hat\\theta`, and the rule more cautious). A learner near a cut keeps
answering; one whose level the remaining items could not plausibly move stops,
although the likelihood ratio has not reached Wald's bound. At
:math:`\\sigma \\le h` the spread is 0 and the test stops.

Every function here works on one learner's log-likelihood ``(Q,)`` or a
batch ``(n, Q)`` with the same arithmetic (:mod:`engine.simulate` runs many
learners in lock step through them).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np
from scipy.special import ndtr

from engine.cefr import CutScores, check_cuts, level_index
from engine.estimation import interpolate

#: Default test length bounds and precision target (logits).
MIN_ITEMS = 5
MAX_ITEMS = 40
SE_TARGET = 0.3

#: A classification statistic (module notes).
Rule = Literal["glr", "sprt"]
#: Classification statistics by name.
RULES: tuple[Rule, ...] = get_args(Rule)
#: Classification defaults, chosen by simulation (docs/model.md, "Choosing the defaults";
#: bench/cat_designs.py): the GLR at indifference half-width 0.3 logits and nominal error
#: rates 0.1, curtailed at 0.92 against a precision test at SE 0.25, places at least as many
#: learners in the right band as a precision CAT (SE <= 0.3) with 0.75-0.80 of its items,
#: on every bank drawn.
RULE: Rule = "glr"
INDIFFERENCE_HALF_WIDTH = 0.3
ALPHA = 0.1
BETA = 0.1
#: Stochastic curtailment (module notes): stop once the band at the test's end is this
#: likely to be the current one; the end is where the posterior SD would reach CURTAIL_SE.
CURTAIL = 0.92
CURTAIL_SE = 0.25

#: Verdicts of the test at one cut.
BELOW, UNDECIDED, ABOVE = -1, 0, 1


@dataclass(frozen=True)
class ClassificationDecision:
    """Outcome of the test at every cut.

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


#: The name of the decision before the GLR was added.
SPRTDecision = ClassificationDecision


def check_classification(rule: str, delta: float, alpha: float, beta: float) -> None:
    """Raise ``ValueError`` unless the rule is known, ``delta > 0`` and the error rates are in (0, 0.5)."""
    if rule not in RULES:
        raise ValueError(f"rule must be one of {RULES}, got {rule!r}")
    if not delta > 0:
        raise ValueError(f"delta (the indifference half-width) must be > 0, got {delta}")
    if not (0.0 < alpha < 0.5 and 0.0 < beta < 0.5):
        raise ValueError(f"alpha and beta must be in (0, 0.5), got {alpha} and {beta}")


def sprt_bounds(alpha: float = ALPHA, beta: float = BETA) -> tuple[float, float]:
    """Wald's (1947) bounds on the log likelihood ratio: ``(log(beta/(1-alpha)), log((1-beta)/alpha))``."""
    if not (0.0 < alpha < 0.5 and 0.0 < beta < 0.5):
        raise ValueError("alpha and beta must be in (0, 0.5)")
    return float(np.log(beta / (1.0 - alpha))), float(np.log((1.0 - beta) / alpha))


def log_ratios(nodes: np.ndarray, log_likelihood: np.ndarray, cuts: CutScores,
               delta: float = INDIFFERENCE_HALF_WIDTH, rule: Rule = RULE) -> np.ndarray:
    """:math:`\\Lambda_c` at each cut (module notes) from log-likelihoods on the grid.

    Parameters
    ----------
    nodes : numpy.ndarray, shape (Q,)
        The equally spaced grid.
    log_likelihood : numpy.ndarray, shape (Q,) or (n, Q)
        One learner's log-likelihood, or a batch.
    cuts : sequence of float, shape (C,)
    delta : float
        Indifference half-width.
    rule : {"glr", "sprt"}

    Returns
    -------
    numpy.ndarray, shape (C,) or (n, C)
    """
    checked = check_cuts(cuts)
    upper = interpolate(nodes, log_likelihood, checked + delta)
    lower = interpolate(nodes, log_likelihood, checked - delta)
    if rule == "sprt":
        return upper - lower
    if rule != "glr":
        raise ValueError(f"rule must be one of {RULES}, got {rule!r}")
    values = log_likelihood[..., np.newaxis, :]
    above = nodes >= (checked + delta)[:, np.newaxis]  # (C, Q)
    below = nodes <= (checked - delta)[:, np.newaxis]
    best_above = np.maximum(upper, np.max(np.where(above, values, -np.inf), axis=-1))
    best_below = np.maximum(lower, np.max(np.where(below, values, -np.inf), axis=-1))
    return best_above - best_below


def verdicts_of(ratios: np.ndarray, alpha: float = ALPHA, beta: float = BETA) -> np.ndarray:
    """:data:`ABOVE`, :data:`BELOW` or :data:`UNDECIDED` for each log ratio (Wald's bounds)."""
    lower, upper = sprt_bounds(alpha, beta)
    return np.where(ratios >= upper, ABOVE, np.where(ratios <= lower, BELOW, UNDECIDED))


def decided(level, verdicts: np.ndarray) -> np.ndarray:
    """Whether the band ``level`` (int or (n,)) is decided by the ``verdicts`` (C,) or (n, C).

    The cut below the band must say "above", the cut above it "below" (module notes).
    """
    level = np.asarray(level)
    n_cuts = verdicts.shape[-1]
    below = np.take_along_axis(verdicts, np.clip(level - 1, 0, n_cuts - 1)[..., np.newaxis], axis=-1)[..., 0]
    above = np.take_along_axis(verdicts, np.clip(level, 0, n_cuts - 1)[..., np.newaxis], axis=-1)[..., 0]
    return ((level == 0) | (below == ABOVE)) & ((level == n_cuts) | (above == BELOW))


def classification_decision(posterior, cuts: CutScores, delta: float = INDIFFERENCE_HALF_WIDTH,
                            alpha: float = ALPHA, beta: float = BETA, rule: Rule = RULE) -> ClassificationDecision:
    """The test at each cut score and whether the learner's level is decided (module notes).

    Parameters
    ----------
    posterior : GridPosterior
        Only its log-likelihood and EAP are used.
    cuts : sequence of float
        Increasing cut scores.
    delta : float
        Indifference half-width :math:`\\delta > 0`.
    alpha, beta : float
        Nominal error rates of each test: deciding "above" when
        :math:`\\theta = \\theta_c - \\delta`, and "below" when
        :math:`\\theta = \\theta_c + \\delta`.
    rule : {"glr", "sprt"}
        The statistic (module notes).
    """
    checked = check_cuts(cuts)
    check_classification(rule, delta, alpha, beta)
    ratios = log_ratios(posterior.nodes, posterior.log_likelihood, checked, delta, rule)
    verdicts = verdicts_of(ratios, alpha, beta)
    level = int(level_index(posterior.estimate().theta, checked))
    return ClassificationDecision(bool(decided(level, verdicts)), level, tuple(ratios.tolist()),
                                  tuple(verdicts.tolist()))


def sprt_decision(posterior, cuts: CutScores, delta: float = INDIFFERENCE_HALF_WIDTH,
                  alpha: float = ALPHA, beta: float = BETA) -> ClassificationDecision:
    """:func:`classification_decision` with Wald's SPRT at the two points :math:`\\theta_c \\pm \\delta`."""
    return classification_decision(posterior, cuts, delta, alpha, beta, rule="sprt")


def nearest_node(nodes: np.ndarray, theta) -> np.ndarray:
    """Index of the grid node nearest each ``theta``."""
    return np.argmin(np.abs(np.asarray(theta, dtype=float)[..., np.newaxis] - nodes), axis=-1)


def future_information(item_information: np.ndarray, available, remaining: int) -> np.ndarray:
    """The information the ``remaining`` most informative ``available`` items add.

    ``item_information`` is each item's information where the learner is, shape
    (m,) for one learner or (n, m) for a batch (the engine takes it at the grid
    node nearest the EAP: :func:`engine.models.information` at that node, which a
    batch reads from one table); the result is a 0-d array or ``(n,)``.
    """
    info = np.where(available, item_information, 0.0)
    count = min(int(remaining), info.shape[-1])
    if count <= 0:
        return np.zeros(info.shape[:-1])
    return np.sum(-np.partition(-info, count - 1, axis=-1)[..., :count], axis=-1)


def curtailment_probability(theta_hat, sd, future, cuts: CutScores, horizon_se: float | None = None) -> np.ndarray:
    """Probability that the estimate at the test's end falls in the current EAP's band (module notes).

    ``theta_hat`` and ``sd`` are the posterior mean and SD now, ``future`` the
    information the remaining items add (:func:`future_information`); all of one
    shape. With ``horizon_se`` the test ends where its SD would reach it. Without
    remaining information (or at an SD of ``horizon_se`` or less) the probability is 1.
    """
    checked = check_cuts(cuts)
    theta_hat, sd, future = (np.asarray(x, dtype=float) for x in (theta_hat, sd, future))
    final_variance = 1.0 / (1.0 / sd**2 + future)
    if horizon_se is not None:
        final_variance = np.maximum(final_variance, horizon_se**2)
    spread = np.sqrt(np.maximum(sd**2 - final_variance, 0.0))
    edges = np.concatenate([[-np.inf], checked, [np.inf]])
    band = level_index(theta_hat, checked)
    safe = np.where(spread > 0, spread, 1.0)
    inside = ndtr((edges[band + 1] - theta_hat) / safe) - ndtr((edges[band] - theta_hat) / safe)
    return np.where(spread > 0, inside, 1.0)


def should_stop(posterior, answered: int, *, cuts: CutScores | None = None,
                min_items: int = MIN_ITEMS, max_items: int = MAX_ITEMS,
                se_target: float | None = SE_TARGET, classify: bool = False,
                delta: float = INDIFFERENCE_HALF_WIDTH, alpha: float = ALPHA, beta: float = BETA,
                rule: Rule = RULE, curtail: float | None = None, curtail_se: float | None = CURTAIL_SE,
                future: float | None = None, decision: ClassificationDecision | None = None) -> bool:
    """Whether an adaptive test stops after ``answered`` items (rules in the module notes).

    ``classify=True`` needs ``cuts``; pass ``se_target=None`` to stop on the
    classification alone (as ``b1engine simulate-cat --classify`` does). With
    ``classify`` and ``curtail``, the test is also curtailed stochastically,
    which needs ``future``, the information the remaining items add
    (:func:`future_information`); ``curtail_se`` sets the test's end for it
    (None: ``max_items``). ``decision``: the classification at the cuts by these
    settings when the caller has it already (the item selection reads it too).
    """
    if answered >= max_items:
        return True
    if answered < min_items:
        return False
    estimate = posterior.estimate()
    if se_target is not None and estimate.se <= se_target:
        return True
    if not classify:
        return False
    if cuts is None:
        raise ValueError("classify=True needs cuts")
    if decision is None:
        decision = classification_decision(posterior, cuts, delta, alpha, beta, rule)
    if decision.decided:
        return True
    if curtail is None:
        return False
    if future is None:
        raise ValueError("curtailment needs the information of the remaining items (future=...)")
    return bool(curtailment_probability(estimate.theta, estimate.se, future, cuts, curtail_se) >= curtail)
