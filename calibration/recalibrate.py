r"""Recalibrating a live item bank: new parameters only where the answers say so, on the same scale.

A live bank is not a calibration study. Its items carry parameters that
learners' levels were measured with (the content's priors, or an earlier
run); a recalibration must not move the scale those levels live on, and it
must not replace a parameter by an estimate the answers do not support. So
a recalibration here is two steps.

**The fit** (:func:`fit_bank`): marginal maximum likelihood by EM
(:class:`calibration.Calibrator`, 2PL with each item's guessing ``c`` held at
its current value, :math:`c = 1/k` for a ``k``-option choice item: the 3PL
with ``c`` known; Lord, 1980) on the answers of one language, one per
learner and item.

- Items already calibrated are **anchors**: they keep :math:`(a, b, c)` and
  fix the scale; the population's mean and SD are estimated with the other
  items (fixed-parameter calibration with prior weights updating; Kim, 2006).
- Without an anchor among the answered items (a bank of content priors), the
  population is **held** where the current parameters put it: first the mean
  and SD of ability are estimated with every answered item at its current
  parameters, then the items are fitted with the population fixed there. A
  free calibration would instead fix :math:`\theta \sim N(0, 1)` and shift
  the whole scale by the distance between that and the learners' actual mean
  (a class of A2 learners at :math:`\mu \approx -0.8` moved up a level).
  Wrong current values bias that population, so :func:`recalibrate` purifies
  it: measured again with the changed items at their new values, until the
  same items change to the same values.
- Standard errors: the cross-product information per item block (Mislevy,
  1984; Cai, 2008). The full cross-product matrix is no use here: a bank has
  more free parameters than it has learners, so :math:`\sum_i s_i s_i^\top`
  is singular and only the priors keep it invertible (its SEs of b came out
  near the prior's 3 logits where the actual errors were 0.3). The blocks
  leave out the uncertainty of the scale itself (the held population's, or
  the mean the anchors give), of order :math:`\sigma/\sqrt{n}` for
  ``n`` learners.

**The decision** (:func:`decide`), item by item, with :class:`Rules`:

1. an anchor stays (``anchor``);
2. fewer than ``min_learners`` distinct learners: stays (``too_few_learners``);
3. no finite estimate, or :math:`SE(b) > ` ``max_se``: stays (``se_too_large``);
4. the answers do not contradict the current values: stays (``consistent``).
   The test is the likelihood ratio of the estimate against the current values
   (Wilks, 1938), every learner's ability integrated over the fit's posterior
   :math:`p_{iq}`: with :math:`\Delta_{iq} = \log P_{j x_{ij}}(\theta_q;
   \psi_0) - \log P_{j x_{ij}}(\theta_q; \hat\psi)` for each learner ``i``
   who answered item ``j`` (category :math:`x_{ij}`),

   .. math::

       G^2_j = -2 \sum_i \log \sum_q p_{iq}\, e^{\Delta_{iq}},

   the change of the marginal log-likelihood when item ``j`` alone goes back
   to its current values, :math:`\chi^2_2` when they are right. (A Wald test,
   which measures the distance with the covariance *at the estimate*, changed
   a right item in 3 of 20 simulated runs: a weakly discriminating item whose
   ``a`` is estimated too high also gets too small an SE of ``b``.) The items
   left after rules 1--3 are tested together by Holm's (1979) step-down
   procedure at the family-wise level ``alpha``: sorted by p-value, the
   ``k``-th smallest (from 1, of ``m``) is rejected while
   :math:`p_{(k)} \le \alpha / (m - k + 1)`. So when the current parameters
   are right, the chance that *any* item changes is about ``alpha``; tested
   one by one at 1 %, a bank of 400 right items changed several of them in
   almost every simulated run, enough to move learners who sit on a cut;
5. otherwise it takes the estimate (``changed``).

Rule 4 is what makes a recalibration without new information move nobody:
answers that agree with the current parameters leave them as they are, and
the same answers fitted again give the same estimates, which now agree. The
defaults of :class:`Rules` were chosen by simulation
(``bench/calibration_safety.py``, figures in ``docs/calibration.md``).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np
from scipy.stats import chi2

from calibration.calibrator import ANCHORED, INSUFFICIENT, Calibrator
from calibration.defaults import DEFAULT_ALPHA, DEFAULT_MAX_ITER, DEFAULT_MAX_SE, DEFAULT_MIN_LEARNERS
from calibration.quadrature import Population
from engine import models

#: Free parameters of each fitted item (a, b; c is held).
PARAMETERS_PER_ITEM = 2
#: Answers whose likelihood ratios are computed together (bounds the memory: answers x nodes).
LR_CHUNK = 1 << 16
#: Fits at most of the purification of a held population (:func:`recalibrate`); it stops when the
#: changed items' values move by less than the tolerance (logits) from one fit to the next.
MAX_PURIFICATIONS = 5
PURIFIED_TOLERANCE = 1e-3
PURIFIED_DECIMALS = 6

#: What happened to an item, in the order a reason is given.
Decision = Literal["anchor", "too_few_learners", "se_too_large", "consistent", "changed"]
DECISIONS: tuple[Decision, ...] = get_args(Decision)


@dataclass(frozen=True)
class Parameters:
    """3PL parameters of one item."""

    a: float
    b: float
    c: float


@dataclass(frozen=True)
class CurrentItem:
    """An item as the bank has it now: its parameters, and whether a calibration set them
    (then it is an anchor)."""

    a: float
    b: float
    c: float
    calibrated: bool = False

    @property
    def parameters(self) -> Parameters:
        return Parameters(self.a, self.b, self.c)


@dataclass(frozen=True)
class Rules:
    """When an item's parameters may change (see the module docstring)."""

    min_learners: int = DEFAULT_MIN_LEARNERS
    max_se: float = DEFAULT_MAX_SE
    alpha: float = DEFAULT_ALPHA

    def __post_init__(self) -> None:
        if self.min_learners < 2:
            raise ValueError("min_learners must be at least 2")
        if not self.max_se > 0:
            raise ValueError("max_se must be > 0")
        if not 0 < self.alpha < 1:
            raise ValueError("alpha must be in (0, 1)")


@dataclass(frozen=True)
class FittedItem:
    """One answered item after the fit: its current parameters and, unless it is an anchor
    or was answered by a single learner, the estimate with its covariance of (a, b) and the
    likelihood-ratio statistic :math:`G^2` of the current values against it."""

    item_id: str
    learners: int
    current: CurrentItem
    estimate: Parameters | None
    covariance: np.ndarray | None
    statistic: float | None = None

    @property
    def se_a(self) -> float | None:
        return None if self.covariance is None else _root(self.covariance[0, 0])

    @property
    def se_b(self) -> float | None:
        return None if self.covariance is None else _root(self.covariance[1, 1])

def _root(variance: float) -> float | None:
    return float(np.sqrt(variance)) if np.isfinite(variance) and variance > 0 else None


@dataclass(frozen=True)
class BankFit:
    """:func:`fit_bank`'s result: every answered item, and the population on the scale."""

    items: tuple[FittedItem, ...]
    population: Population
    population_held: bool
    anchors: int
    responses: int
    learners: int
    standard_errors: str


@dataclass(frozen=True)
class ItemOutcome:
    """An item's decision (:func:`decide`), with the p-value of its likelihood-ratio test where
    it was tested; ``new`` is set when it changed."""

    item: FittedItem
    decision: Decision
    p_value: float | None = None

    @property
    def new(self) -> Parameters | None:
        return self.item.estimate if self.decision == "changed" else None


@dataclass(frozen=True)
class Recalibration:
    """A fit and the rules' decisions on it."""

    fit: BankFit
    rules: Rules
    outcomes: tuple[ItemOutcome, ...]

    def changed(self) -> tuple[ItemOutcome, ...]:
        return tuple(o for o in self.outcomes if o.decision == "changed")

    def counts(self) -> dict[Decision, int]:
        """Items per decision (every decision present, 0 when none)."""
        counts: dict[Decision, int] = dict.fromkeys(DECISIONS, 0)
        for outcome in self.outcomes:
            counts[outcome.decision] += 1
        return counts

    def new_parameters(self) -> dict[str, Parameters]:
        """Every answered item's parameters after the decisions (the changed ones new)."""
        return {o.item.item_id: o.new or o.item.current.parameters for o in self.outcomes}


def first_answers(learners, item_ids, scores) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each learner's first answer to each item (an item met again was seen before)."""
    learners, item_ids, scores = (np.asarray(x) for x in (learners, item_ids, scores))
    _, first = np.unique(np.stack([learners.astype(str), item_ids.astype(str)]), axis=1, return_index=True)
    keep = np.sort(first)
    return learners[keep], item_ids[keep], scores[keep]


def fit_bank(learners, item_ids, scores, current: Mapping[str, CurrentItem],
             max_iter: int = DEFAULT_MAX_ITER, replaced: Mapping[str, Parameters] | None = None) -> BankFit:
    """Fit the items of one language on its answers (0/1, long format), on the current scale.

    Parameters
    ----------
    learners, item_ids, scores : array_like, (N,)
        Answers; a learner's later answers to an item they answered before are dropped.
    current : mapping item_id -> CurrentItem
        Every answered item's parameters now.
    replaced : mapping item_id -> Parameters, optional
        Without anchors, the population is held where the current parameters put it, with
        these items at these values instead (the purification of :func:`recalibrate`).

    Raises
    ------
    ValueError
        No answers, an answered item missing from ``current``, or a score that is not 0/1.
    """
    learners, item_ids, scores = first_answers(learners, item_ids, scores)
    if learners.size == 0:
        raise ValueError("no answers")
    answered = sorted(set(item_ids.tolist()))
    missing = [i for i in answered if i not in current]
    if missing:
        raise ValueError(f"answered items without current parameters: {', '.join(missing[:5])}")
    anchors = {i: (current[i].a, current[i].b, current[i].c) for i in answered if current[i].calibrated}
    guessing = {i: current[i].c for i in answered if not current[i].calibrated}
    measured_with = {**current, **{i: CurrentItem(p.a, p.b, p.c) for i, p in (replaced or {}).items()}}
    population = None if anchors else population_under(learners, item_ids, scores, measured_with, max_iter)
    fitted = Calibrator(model="2pl", anchors=anchors, guessing=guessing, population=population,
                        max_iter=max_iter, se="blocks").fit(learners, item_ids, scores)
    codes, per_item = np.unique(item_ids, return_counts=True)
    learners_per_item = dict(zip(codes.tolist(), per_item.tolist()))  # one answer per learner and item
    statistics = likelihood_ratios(fitted, learners, item_ids, scores, current)
    items = []
    for j, item_id in enumerate(fitted.item_ids_):
        item_id = str(item_id)
        estimated = fitted.status_[j] not in (ANCHORED, INSUFFICIENT)
        items.append(FittedItem(
            item_id, int(learners_per_item[item_id]), current[item_id],
            Parameters(float(fitted.a_[j]), float(fitted.b_[j]), float(fitted.c_[j])) if estimated else None,
            fitted.covariance_[j, :2, :2].copy() if estimated else None, statistics.get(item_id)))
    return BankFit(tuple(items), fitted.population_, population is not None, len(anchors), int(learners.size),
                   int(np.unique(learners).size), fitted.standard_error_method())


def likelihood_ratios(fitted: Calibrator, learners: np.ndarray, item_ids: np.ndarray, scores: np.ndarray,
                      current: Mapping[str, CurrentItem]) -> dict[str, float]:
    """:math:`G^2_j` of every estimated item's current values against its estimate (module
    docstring, rule 4), from the fit's posterior; one answer per learner and item."""
    estimated = np.flatnonzero(~np.isin(fitted.status_, (ANCHORED, INSUFFICIENT)))
    if estimated.size == 0:
        return {}
    ids = fitted.item_ids_[estimated].astype(str)
    column = {item_id: k for k, item_id in enumerate(ids)}
    nodes = fitted.nodes_
    now = np.array([[current[i].a, current[i].b, current[i].c] for i in ids])
    fit = np.stack([fitted.a_[estimated], fitted.b_[estimated], fitted.c_[estimated]], axis=1)
    # log P(right), log P(wrong) at every node, (Q, m) each, at the current values and the estimates.
    right_now, wrong_now = models.log_probabilities(nodes, now[:, 0], now[:, 1], now[:, 2])
    right_fit, wrong_fit = models.log_probabilities(nodes, fit[:, 0], fit[:, 1], fit[:, 2])
    delta_right, delta_wrong = (right_now - right_fit).T, (wrong_now - wrong_fit).T
    rows = np.flatnonzero(np.isin(item_ids.astype(str), ids))
    totals = np.zeros(ids.size)
    for start in range(0, rows.size, LR_CHUNK):
        chunk = rows[start:start + LR_CHUNK]
        item = np.array([column[i] for i in item_ids[chunk].astype(str)])
        learner = np.searchsorted(fitted.learner_ids_, learners[chunk])
        delta = np.where(scores[chunk, None] == 1, delta_right[item], delta_wrong[item])
        ratio = np.einsum("rq,rq->r", fitted.posterior_[learner], np.exp(delta))
        np.add.at(totals, item, np.log(ratio))
    return {item_id: max(float(-2.0 * total), 0.0) for item_id, total in zip(ids, totals)}


def population_under(learners, item_ids, scores, current: Mapping[str, CurrentItem],
                     max_iter: int = DEFAULT_MAX_ITER) -> Population:
    """Mean and SD of ability with every answered item at its current parameters (MML-EM with
    all items as anchors: only the population is estimated; Mislevy, 1984)."""
    anchors = {str(i): (current[str(i)].a, current[str(i)].b, current[str(i)].c) for i in set(item_ids.tolist())}
    fitted = Calibrator(model="2pl", anchors=anchors, max_iter=max_iter).fit(learners, item_ids, scores)
    population: Population = fitted.population_
    return population


def decide(fit: BankFit, rules: Rules) -> Recalibration:
    """Each item's decision under ``rules`` (the numbered rules of the module docstring)."""
    decisions: dict[str, Decision] = {}
    tested: list[tuple[float, str]] = []
    for item in fit.items:
        if item.current.calibrated:
            decisions[item.item_id] = "anchor"
        elif item.learners < rules.min_learners:
            decisions[item.item_id] = "too_few_learners"
        elif (item.estimate is None or item.se_b is None or item.se_b > rules.max_se
              or item.statistic is None):
            decisions[item.item_id] = "se_too_large"
        else:
            tested.append((float(chi2.sf(item.statistic, df=PARAMETERS_PER_ITEM)), item.item_id))
    p_values = {item_id: p for p, item_id in tested}
    rejected = holm(sorted(tested), rules.alpha)
    for _, item_id in tested:
        decisions[item_id] = "changed" if item_id in rejected else "consistent"
    return Recalibration(fit, rules, tuple(ItemOutcome(item, decisions[item.item_id], p_values.get(item.item_id))
                                           for item in fit.items))


def holm(ordered: list[tuple[float, str]], alpha: float) -> set[str]:
    """Holm's step-down procedure: the names whose hypotheses are rejected at family-wise level
    ``alpha``, from ``(p-value, name)`` pairs sorted by p-value (Holm, 1979)."""
    m = len(ordered)
    rejected = set()
    for k, (p_value, name) in enumerate(ordered):
        if p_value > alpha / (m - k):
            break
        rejected.add(name)
    return rejected


def recalibrate(learners, item_ids, scores, current: Mapping[str, CurrentItem], rules: Rules | None = None,
                max_iter: int = DEFAULT_MAX_ITER, fits: dict[tuple, BankFit] | None = None) -> Recalibration:
    """:func:`fit_bank`, then :func:`decide`; without anchors, purified.

    The held population is measured with the current parameters, wrong ones included:
    items whose b is too high make the learners who met them look abler, and every
    estimate fitted on that population comes out too high by as much. So, as DIF
    analyses purify their matching score (Candell & Drasgow, 1988), the population
    is measured again with the items that changed at their new values, the items
    refitted and decided again, until the items that change and their values stay the
    same (at most :data:`MAX_PURIFICATIONS` fits). ``fits``: fits already made on the
    same answers, by the items replaced (a cache for callers that try many rules).
    """
    rules = rules or Rules()
    replaced: dict[str, Parameters] = {}
    decided = None
    for _ in range(MAX_PURIFICATIONS):
        key = tuple(sorted((i, round(p.a, PURIFIED_DECIMALS), round(p.b, PURIFIED_DECIMALS))
                           for i, p in replaced.items()))
        fit = fits.get(key) if fits is not None else None
        if fit is None:
            fit = fit_bank(learners, item_ids, scores, current, max_iter, replaced)
            if fits is not None:
                fits[key] = fit
        decided = decide(fit, rules)
        found = {o.item.item_id: o.new for o in decided.changed() if o.new is not None}
        if fit.anchors or _same(found, replaced):
            break
        replaced = found
    assert decided is not None
    return decided


def _same(found: Mapping[str, Parameters], replaced: Mapping[str, Parameters]) -> bool:
    return found.keys() == replaced.keys() and all(
        abs(found[i].a - replaced[i].a) < PURIFIED_TOLERANCE and abs(found[i].b - replaced[i].b) < PURIFIED_TOLERANCE
        for i in found)
