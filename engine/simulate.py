"""Simulated learners: draw abilities, answer from the model, run whole adaptive tests.

Every function takes its randomness from an explicit ``numpy.random.Generator``,
so a seed reproduces a run exactly. An adaptive test under a
:class:`~engine.design.CATDesign` is the loop

1. stop? (:meth:`CATDesign.should_stop`),
2. choose the next item (:meth:`CATDesign.select`),
3. the learner answers from the 3PL model,
4. update the grid posterior (:func:`engine.estimation.update`),

and, at the end, the final estimate by the design's estimator on the items
given. The reported level is the band of that estimate between the cuts.

**Learners in lock step.** :func:`simulate_cat` runs all learners together:
one step is one vectorised pass for every learner still testing (their
posteriors are the rows of an ``(n, Q)`` array; information, content balance,
the classification statistics and the update are computed for all of them at
once, with the arithmetic of the one-learner functions). With
``vectorised=False`` it runs the learners one at a time through the path the
service takes (:meth:`CATDesign.should_stop`, :meth:`CATDesign.select`,
:class:`GridPosterior`, :func:`update`); both give the same tests for a seed
(tested).

**Randomness.** A learner's answer to item :math:`j` is right when
:math:`U_j < P_j(\\theta)`, with one uniform :math:`U_j` per learner and item
drawn before the test (a response vector over the whole bank); the
randomesque choice at step :math:`t` uses one uniform :math:`V_t` (a test has
at most as many steps as the bank has items)
(:func:`engine.selection.pick`). Both come from two generators spawned from
``rng``, one row per learner, so they depend neither on the order the
learners are run in nor on the design: two designs simulated from the same
seed meet learners who give the same answer to the same item, and their
levels can be compared learner by learner.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.special import expit

from engine import stopping
from engine.cefr import DEFAULT_CUTS, CutScores, check_cuts, level_index
from engine.design import PRECISION, CATDesign
from engine.estimation import ESTIMATORS, PRIOR_MEAN, PRIOR_SD, AbilityEstimate, posterior_moments, update
from engine.models import information, log_probabilities, probability
from engine.selection import WEIGHT_FLOOR, information_each, information_peak, pick

__all__ = ["CATDesign", "CATRecord", "CATResults", "SimulatedBank", "answer", "draw_bank", "draw_thetas", "run_cat",
           "simulate_cat"]

#: Relative slack on the information bounds of :func:`_mfi_information` (rounding of the tables).
BOUND_SLACK = 1e-9
#: Items per grid cell evaluated first by :func:`_mfi_information`.
PRUNE_CANDIDATES = 64
#: Learners are simulated in blocks of at most this many uniforms (learners x items x 2, about 32 MB).
BLOCK_CELLS = 4_000_000


@dataclass(frozen=True)
class CATRecord:
    """One learner's test: items given (bank indices, in order), scores, final estimate, band."""

    items: np.ndarray
    scores: np.ndarray
    estimate: AbilityEstimate[float]
    level: int


@dataclass(frozen=True)
class CATResults:
    """Many learners' tests, one entry per learner (arrays of shape (n,))."""

    theta_true: np.ndarray
    theta_hat: np.ndarray
    se: np.ndarray
    n_items: np.ndarray
    level: np.ndarray
    items: tuple[np.ndarray, ...] = field(default=(), repr=False)
    scores: tuple[np.ndarray, ...] = field(default=(), repr=False)

    @property
    def bias(self) -> float:
        """Mean of :math:`\\hat\\theta - \\theta`."""
        return float(np.mean(self.theta_hat - self.theta_true))

    @property
    def rmse(self) -> float:
        """Root mean squared error of :math:`\\hat\\theta`."""
        return float(np.sqrt(np.mean((self.theta_hat - self.theta_true) ** 2)))

    def accuracy(self, cuts: CutScores) -> float:
        """Share of learners placed in the band of their true ability."""
        return float(np.mean(self.level == level_index(self.theta_true, cuts)))

    def exposure(self, n_items: int) -> np.ndarray:
        """Each item's exposure rate: the share of the tests that gave it, shape (``n_items``,)."""
        given = np.concatenate(self.items) if self.items else np.zeros(0, dtype=int)
        return np.bincount(given.astype(int), minlength=n_items) / max(len(self.items), 1)

    def overlap(self) -> float:
        """The test overlap rate: the items two tests share, on average over every pair of
        learners, as a share of the mean length (Chen, Ankenmann & Spray, 2003),

        .. math:: T = \\frac{\\sum_j g_j (g_j - 1)}{N (N - 1)\\,\\bar L},

        :math:`g_j` the number of the :math:`N` tests that gave item :math:`j`."""
        n = len(self.items)
        if n < 2:
            raise ValueError("the overlap of tests needs at least two")
        given = np.bincount(np.concatenate(self.items).astype(int)).astype(float)
        return float(np.sum(given * (given - 1)) / (n * (n - 1)) / self.n_items.mean())


@dataclass(frozen=True)
class SimulatedBank:
    """Item parameters ``a, b, c`` and each item's ``skill`` and ``type`` (arrays of shape (m,))."""

    a: np.ndarray
    b: np.ndarray
    c: np.ndarray
    skill: np.ndarray
    type: np.ndarray


#: The item types of the bundled bank's B1 track and their shares (``b1engine content export``).
BANK_TYPES: tuple[tuple[str, float], ...] = (("reading", 0.24), ("cloze_choice", 0.24), ("multiple_choice", 0.24),
                                             ("cloze_typed", 0.15), ("word_order", 0.13))
#: The skills each item type measures there, with their shares within the type.
BANK_SKILLS: dict[str, tuple[tuple[str, float], ...]] = {
    "reading": (("reading", 1.0),),
    "cloze_choice": (("grammar", 0.5), ("vocabulary", 0.25), ("functional", 0.25)),
    "multiple_choice": (("vocabulary", 0.5), ("functional", 0.5)),
    "cloze_typed": (("vocabulary", 0.8), ("grammar", 0.2)),
    "word_order": (("grammar", 1.0),),
}
#: Item types answered by picking one of k options: their lower asymptote is c = 1/k.
CHOICE_TYPES = frozenset({"reading", "cloze_choice", "multiple_choice"})


def draw_bank(rng: np.random.Generator, n_items: int, *, a_log_sd: float = 0.0, spread: float = 0.4,
              options: Sequence[int] = (3,), cuts: CutScores = DEFAULT_CUTS) -> SimulatedBank:
    """A bank shaped like the bundled one (its B1 track).

    Items are spread over the CEFR bands in equal numbers, with difficulty at the
    band's centre plus a uniform shift of at most ``spread`` band widths (0.4 is
    the range of the prior difficulties, ``content.prior``; the open outer bands
    are centred half a width beyond the outer cuts). Item types and skills come
    in the bundled bank's proportions (:data:`BANK_TYPES`, :data:`BANK_SKILLS`);
    choice items have ``c = 1/k`` with ``k`` drawn from ``options``, typed items
    and word orders ``c = 0``; ``a = exp(N(0, a_log_sd^2))`` (1, the prior's, by default).
    """
    checked = check_cuts(cuts)
    width = (checked[-1] - checked[0]) / (checked.size - 1) if checked.size > 1 else 1.0
    edges = np.concatenate([[checked[0] - width], checked, [checked[-1] + width]])
    centres = (edges[:-1] + edges[1:]) / 2
    band = rng.integers(0, centres.size, n_items)
    b = centres[band] + rng.uniform(-spread * width, spread * width, n_items)
    names, shares = zip(*BANK_TYPES)
    types = rng.choice(np.array(names), n_items, p=np.array(shares) / sum(shares))
    skills = np.empty(n_items, dtype=object)
    for name in names:
        mask = types == name
        labels, weights = zip(*BANK_SKILLS[name])
        skills[mask] = rng.choice(np.array(labels), int(mask.sum()), p=np.array(weights) / sum(weights))
    k = rng.choice(np.asarray(options, dtype=float), n_items)
    c = np.where(np.isin(types, list(CHOICE_TYPES)), 1.0 / k, 0.0)
    a = np.exp(rng.normal(0.0, a_log_sd, n_items)) if a_log_sd > 0 else np.ones(n_items)
    return SimulatedBank(a, b, c, skills.astype(str), types.astype(str))


def draw_thetas(rng: np.random.Generator, n: int, mean: float = PRIOR_MEAN, sd: float = PRIOR_SD) -> np.ndarray:
    """``n`` abilities from :math:`N(\\text{mean}, \\text{sd}^2)`."""
    return rng.normal(mean, sd, size=n)


def answer(rng: np.random.Generator, theta, a, b, c=0.0) -> np.ndarray:
    """0/1 answers drawn from the 3PL model, shape of ``probability(theta, a, b, c)``."""
    p = probability(theta, a, b, c)
    return (rng.random(p.shape) < p).astype(int)


class _Labels:
    """One content constraint over the bank: each item's label and the target shares (selection notes)."""

    def __init__(self, labels: Sequence[str], targets: dict[str, float]):
        self.labels = np.asarray(labels, dtype=object).astype(str)
        names, self.inverse = np.unique(self.labels, return_inverse=True)
        total = sum(targets.values())
        self.shares = np.array([targets.get(name, 0.0) / total for name in names])

    def factor(self, counts: np.ndarray, answered: int) -> np.ndarray:
        """Deficit factor of every item for each learner, (n, m), from counts per label (n, S)."""
        quota = self.shares * (answered + 1)
        factor = np.divide(quota - counts, quota, out=np.zeros(counts.shape), where=quota > 0)
        return np.maximum(factor, 0.0)[:, self.inverse]


class _Bank:
    """The bank's arrays and the tables a simulation reads at every step."""

    def __init__(self, a, b, c, design: CATDesign, available, skills, types):
        self.a, self.b, self.c = (np.array(x, dtype=float) for x in np.broadcast_arrays(
            *(np.asarray(x, dtype=float) for x in (a, b, c))))
        if self.a.ndim != 1 or self.a.size == 0:
            raise ValueError("the bank needs item parameters of shape (m,), m >= 1")
        m = self.a.size
        self.available = np.ones(m, dtype=bool) if available is None else np.array(available, dtype=bool)
        if self.available.shape != (m,):
            raise ValueError(f"available has shape {self.available.shape}, the bank {m} items")
        prior = design.prior()
        self.nodes, self.log_prior = prior.nodes, prior.log_prior
        right, wrong = log_probabilities(self.nodes, self.a, self.b, self.c)
        self.log_right, self.log_wrong = np.ascontiguousarray(right.T), np.ascontiguousarray(wrong.T)
        self.cuts = np.asarray(design.cuts)
        self.cut_information = information(self.cuts, self.a, self.b, self.c) if design.selection == "cut" else None
        self._node_table: np.ndarray | None = None
        self.skills = self._constraint(skills, design.skill_shares, "skill", m)
        self.types = self._constraint(types, design.type_shares, "type", m)
        self.prune = design.selection == "mfi" and self.skills is None and self.types is None
        if self.prune:
            self._cell_bounds()

    def node_table(self) -> np.ndarray:
        """Each item's information at each grid node, (Q, m), computed once."""
        if self._node_table is None:
            self._node_table = information(self.nodes, self.a, self.b, self.c)
        return self._node_table

    def _cell_bounds(self) -> None:
        """Each grid cell's candidate items and the bound on every other item (:func:`_mfi_information`)."""
        table = self.node_table()
        peak = information_peak(self.a, self.b, self.c)
        inside = (peak >= self.nodes[:-1, np.newaxis]) & (peak <= self.nodes[1:, np.newaxis])
        upper = np.where(inside, information_each(peak, self.a, self.b, self.c), np.maximum(table[:-1], table[1:]))
        count = min(PRUNE_CANDIDATES, self.a.size)
        if count == self.a.size:
            self.cell_items = np.tile(np.arange(self.a.size), (upper.shape[0], 1))
            self.cell_rest = np.full(upper.shape[0], -np.inf)
            return
        self.cell_items = np.sort(np.argpartition(-upper, count - 1, axis=-1)[:, :count], axis=-1)
        self.cell_rest = -np.partition(-upper, count, axis=-1)[:, count] * (1.0 + BOUND_SLACK)

    @staticmethod
    def _constraint(labels, targets, what: str, m: int) -> _Labels | None:
        if targets is None:
            return None
        if labels is None:
            raise ValueError(f"the design balances {what}s: pass the {what} of each item")
        if len(labels) != m:
            raise ValueError(f"{len(labels)} {what} labels for {m} items")
        return _Labels(labels, targets)


def _streams(rng: np.random.Generator, n: int, m: int):
    """Per block of learners: their answer uniforms (B, m) and choice uniforms (B, m) (module notes).

    A test has at most ``m`` steps, so ``m`` choice uniforms per learner serve every design.
    """
    answers, choices = rng.spawn(2)
    block = max(1, BLOCK_CELLS // (2 * m))
    for start in range(0, n, block):
        size = min(block, n - start)
        yield start, answers.random((size, m)), choices.random((size, m))


def _success(theta, a, b, c) -> np.ndarray:
    """:math:`P_j(\\theta)` element by element, with :func:`engine.models.probability`'s arithmetic."""
    return c + (1.0 - c) * expit(a * (theta - b))


def _final(bank: _Bank, design: CATDesign, log_likelihood: np.ndarray, given: np.ndarray, scores: np.ndarray):
    """The final estimates of a block: EAP from the posteriors, MAP and WLE learner by learner."""
    if design.estimator == "eap":
        return posterior_moments(bank.nodes, bank.log_prior + log_likelihood)
    estimator, prior = ESTIMATORS[design.estimator], design.prior()
    theta, se = np.empty(given.shape[0]), np.empty(given.shape[0])
    for i, row in enumerate(given):
        items = row[row >= 0]
        estimate = estimator(bank.a[items], bank.b[items], bank.c[items], scores[i, :items.size].astype(float),
                             prior=prior)
        theta[i], se[i] = estimate.theta, estimate.se
    return theta, se


# --- learners in lock step --------------------------------------------------------------------


def _decided(bank: _Bank, design: CATDesign, mean: np.ndarray, log_likelihood: np.ndarray) -> np.ndarray:
    ratios = stopping.log_ratios(bank.nodes, log_likelihood, bank.cuts, design.delta, design.rule)
    return stopping.decided(level_index(mean, bank.cuts), stopping.verdicts_of(ratios, design.alpha, design.beta))


def _stops(bank: _Bank, design: CATDesign, answered: int, mean: np.ndarray, sd: np.ndarray,
           decided: np.ndarray | None, available: np.ndarray) -> np.ndarray:
    """:meth:`CATDesign.should_stop` for every learner who has answered ``answered`` items."""
    if answered >= design.max_items:
        return np.ones(sd.shape, dtype=bool)
    stop = np.zeros(sd.shape, dtype=bool)
    if answered < design.min_items:
        return stop
    if design.se_target is not None:
        stop |= sd <= design.se_target
    if design.classify and decided is not None:
        stop |= decided
    if design.curtails and not stop.all():
        assert design.curtail is not None
        rest = np.flatnonzero(~stop)
        node = stopping.nearest_node(bank.nodes, mean[rest])
        future = stopping.future_information(bank.node_table()[node], available[rest], design.max_items - answered)
        stop[rest] = stopping.curtailment_probability(mean[rest], sd[rest], future, bank.cuts,
                                                      design.curtail_se) >= design.curtail
    return stop


def _information(bank: _Bank, design: CATDesign, mean: np.ndarray, log_likelihood: np.ndarray,
                 decided: np.ndarray | None, available: np.ndarray, answered: int) -> np.ndarray:
    """Each learner's information of each item under the design's criterion, (n, m).

    Items that cannot be chosen may be left at -inf (:func:`_mfi_information`).
    """
    if design.selection == "pwi":
        weights = np.exp(bank.log_prior + log_likelihood
                         - np.max(bank.log_prior + log_likelihood, axis=-1, keepdims=True))
        weights /= weights.sum(axis=-1, keepdims=True)
        weights = np.where(weights >= WEIGHT_FLOOR * weights.max(axis=-1, keepdims=True), weights, 0.0)
        return (weights / weights.sum(axis=-1, keepdims=True)) @ bank.node_table()
    if design.selection == "cut":
        assert bank.cut_information is not None and decided is not None
        nearest = np.argmin(np.abs(mean[:, np.newaxis] - bank.cuts), axis=-1)
        result = bank.cut_information[nearest]
        if decided.any():  # the level is decided (before min_items): measure at the EAP
            result[decided] = information(mean[decided], bank.a, bank.b, bank.c)
        return result
    if bank.prune:
        return _mfi_information(bank, mean, available, design.randomesque(answered))
    return information(mean, bank.a, bank.b, bank.c)


def _mfi_information(bank: _Bank, mean: np.ndarray, available: np.ndarray, top_k: int) -> np.ndarray:
    """Information at each learner's EAP of every item that can be among the ``top_k`` best, -inf elsewhere.

    Information is unimodal in ability, so over the grid cell holding the EAP an
    item's information is at most the larger of its values at the cell's ends, or
    its peak value when its peak is inside the cell. Each cell keeps the
    :data:`PRUNE_CANDIDATES` items of largest bound; when the ``top_k``-th best
    available of them is more informative than every other item's bound, the
    others cannot be chosen and are not evaluated (else the learner's row is
    computed in full). The values are :func:`engine.models.information`'s, so the
    choice is the full computation's.
    """
    cell = np.clip(((mean - bank.nodes[0]) // (bank.nodes[1] - bank.nodes[0])).astype(int), 0, bank.nodes.size - 2)
    items = bank.cell_items[cell]
    exact = np.where(np.take_along_axis(available, items, axis=-1),
                     information_each(mean[:, np.newaxis], bank.a[items], bank.b[items], bank.c[items]), -np.inf)
    k = min(top_k, items.shape[-1])
    kth = -np.partition(-exact, k - 1, axis=-1)[:, k - 1] if k > 1 else exact.max(axis=-1)
    result = np.full(available.shape, -np.inf)
    np.put_along_axis(result, items, exact, axis=-1)
    full = np.flatnonzero(~(kth > bank.cell_rest[cell]))
    if full.size:
        result[full] = np.where(available[full], information(mean[full], bank.a, bank.b, bank.c), -np.inf)
    return result


def _priority(bank: _Bank, design: CATDesign, answered: int, info: np.ndarray, available: np.ndarray,
              skill_counts: np.ndarray, type_counts: np.ndarray) -> np.ndarray:
    """:func:`engine.selection.balance` and the weighted information, for every learner."""
    if bank.prune:  # no content balance; unavailable items are already at -inf
        return info
    allowed, weight = available, np.ones((1, 1))
    for constraint, counts in ((bank.skills, skill_counts), (bank.types, type_counts)):
        if constraint is None:
            continue
        factor = constraint.factor(counts, answered)
        narrowed = allowed & (factor > 0)
        use = narrowed.any(axis=-1, keepdims=True)
        allowed = np.where(use, narrowed, allowed)
        weight = np.where(use, weight * factor, weight)
    return np.where(allowed, info * weight, -np.inf)


def _pick_rows(priority: np.ndarray, top_k: int, draws: np.ndarray) -> np.ndarray:
    """:func:`engine.selection.pick` for every row of ``priority``."""
    if top_k <= 1:
        return np.argmax(priority, axis=-1)
    k = min(top_k, priority.shape[-1])
    kth = -np.partition(-priority, k - 1, axis=-1)[:, k - 1]
    tied = priority >= kth[:, np.newaxis]
    plain = (np.count_nonzero(tied, axis=-1) == k) & np.isfinite(kth)
    chosen = np.empty(priority.shape[0], dtype=int)
    if plain.any():
        best = np.nonzero(tied[plain])[1].reshape(-1, k)  # the k best of each row, by index
        order = np.argsort(-np.take_along_axis(priority[plain], best, axis=-1), axis=-1, kind="stable")
        best = np.take_along_axis(best, order, axis=-1)
        chosen[plain] = best[np.arange(best.shape[0]), (draws[plain] * k).astype(int)]
    for row in np.flatnonzero(~plain):  # ties at the k-th value, or fewer than k items left
        chosen[row] = pick(priority[row], top_k, float(draws[row]))
    return chosen


def _run_block(theta: np.ndarray, uniforms: np.ndarray, draws: np.ndarray, bank: _Bank, design: CATDesign):
    n = uniforms.shape[0]
    length = design.max_items
    log_likelihood = np.zeros((n, bank.nodes.size))
    available = np.repeat(bank.available[np.newaxis], n, axis=0)
    given = np.full((n, length), -1, dtype=int)
    scores = np.zeros((n, length), dtype=np.int8)
    skill_counts = np.zeros((n, 0 if bank.skills is None else bank.skills.shares.size))
    type_counts = np.zeros((n, 0 if bank.types is None else bank.types.shares.size))
    testing = np.arange(n)
    start_left = int(np.count_nonzero(bank.available))
    for step in range(length + 1):
        mean, sd = posterior_moments(bank.nodes, bank.log_prior + log_likelihood[testing])
        decided = (_decided(bank, design, mean, log_likelihood[testing])
                   if design.classify or design.selection == "cut" else None)
        left = available[testing]
        go = ~_stops(bank, design, step, mean, sd, decided, left)
        if step >= start_left:  # a learner's bank may run out (each step uses one item)
            go &= left.any(axis=-1)
        testing, mean = testing[go], mean[go]
        if not testing.size:
            break
        decided = None if decided is None else decided[go]
        left = left[go]
        info = _information(bank, design, mean, log_likelihood[testing], decided, left, step)
        priority = _priority(bank, design, step, info, left, skill_counts[testing], type_counts[testing])
        chosen = _pick_rows(priority, design.randomesque(step), draws[testing, step])
        right = uniforms[testing, chosen] < _success(theta[testing], bank.a[chosen], bank.b[chosen], bank.c[chosen])
        log_likelihood[testing] += np.where(right[:, np.newaxis], bank.log_right[chosen], bank.log_wrong[chosen])
        available[testing, chosen] = False
        given[testing, step], scores[testing, step] = chosen, right
        if bank.skills is not None:
            skill_counts[testing, bank.skills.inverse[chosen]] += 1
        if bank.types is not None:
            type_counts[testing, bank.types.inverse[chosen]] += 1
    theta_hat, se = _final(bank, design, log_likelihood, given, scores)
    return theta_hat, se, given, scores


# --- one learner at a time --------------------------------------------------------------------


def _run_one(theta: float, uniforms: np.ndarray, draws: np.ndarray, bank: _Bank, design: CATDesign) -> CATRecord:
    posterior = design.prior()
    available = bank.available.copy()
    items: list[int] = []
    scores: list[int] = []
    skill_counts: Counter[str] = Counter()
    type_counts: Counter[str] = Counter()
    while available.any():
        # One classification per step, read by the stopping rule and the selection alike.
        decision = design.decision(posterior) if design.classify or design.selection == "cut" else None
        if design.should_stop(posterior, len(items), bank.a, bank.b, bank.c, available, decision=decision):
            break
        j = design.select(posterior, bank.a, bank.b, bank.c, available,
                          skills=None if bank.skills is None else bank.skills.labels,
                          types=None if bank.types is None else bank.types.labels,
                          skill_counts=skill_counts, type_counts=type_counts, answered=len(items),
                          draw=float(draws[len(items)]), decision=decision)
        score = int(uniforms[j] < probability(theta, bank.a[j], bank.b[j], bank.c[j]))
        posterior = update(posterior, bank.a[j], bank.b[j], bank.c[j], score)
        available[j] = False
        items.append(j)
        scores.append(score)
        if bank.skills is not None:
            skill_counts[bank.skills.labels[j]] += 1
        if bank.types is not None:
            type_counts[bank.types.labels[j]] += 1
    given = np.asarray(items, dtype=int)
    if design.estimator == "eap":
        estimate = posterior.estimate()
    else:
        estimate = ESTIMATORS[design.estimator](bank.a[given], bank.b[given], bank.c[given],
                                                np.asarray(scores, dtype=float), prior=design.prior())
    return CATRecord(given, np.asarray(scores, dtype=int), estimate, int(level_index(estimate.theta, design.cuts)))


def run_cat(theta: float, a, b, c, rng: np.random.Generator, design: CATDesign = PRECISION,
            available=None, *, skills: Sequence[str] | None = None,
            types: Sequence[str] | None = None) -> CATRecord:
    """One adaptive test for a learner of true ability ``theta`` on the bank ``a, b, c`` (m,).

    ``available`` (bool, (m,)) restricts the bank (content filters); items are
    never repeated. The test also ends when the bank runs out. ``skills`` and
    ``types`` label the items when the design balances them. The same as the
    first learner of :func:`simulate_cat` with the same generator.
    """
    bank = _Bank(a, b, c, design, available, skills, types)
    _, uniforms, draws = next(_streams(rng, 1, bank.a.size))
    return _run_one(float(theta), uniforms[0], draws[0], bank, design)


def simulate_cat(thetas: Sequence[float], a, b, c, rng: np.random.Generator,
                 design: CATDesign = PRECISION, available=None, *, skills: Sequence[str] | None = None,
                 types: Sequence[str] | None = None, vectorised: bool = True) -> CATResults:
    """Adaptive tests for learners of true abilities ``thetas`` (module notes).

    Parameters
    ----------
    thetas : sequence of float, shape (n,)
        True abilities.
    a, b, c : array_like, shape (m,)
        The bank.
    rng : numpy.random.Generator
        The source of every answer and randomesque choice (module notes).
    design : CATDesign
        The test's design (default :data:`engine.design.PRECISION`'s values).
    available : array_like of bool, shape (m,), optional
        The items the test may use.
    skills, types : sequence of str, shape (m,), optional
        Each item's skill and type, needed when the design balances them.
    vectorised : bool
        Run the learners in lock step (default) or one at a time; the results are the same.
    """
    theta = np.asarray(thetas, dtype=float)
    bank = _Bank(a, b, c, design, available, skills, types)
    n = theta.size
    theta_hat, se = np.empty(n), np.empty(n)
    items: list[np.ndarray] = []
    scores: list[np.ndarray] = []
    for start, uniforms, draws in _streams(rng, n, bank.a.size):
        block = slice(start, start + uniforms.shape[0])
        if vectorised:
            theta_hat[block], se[block], given, answered = _run_block(theta[block], uniforms, draws, bank, design)
            lengths = np.count_nonzero(given >= 0, axis=-1)
            items += [row[:k] for row, k in zip(given, lengths)]
            scores += [row[:k].astype(int) for row, k in zip(answered, lengths)]
            continue
        for i, (learner, row, choices) in enumerate(zip(theta[block], uniforms, draws)):
            record = _run_one(float(learner), row, choices, bank, design)
            theta_hat[start + i], se[start + i] = record.estimate.theta, record.estimate.se
            items.append(record.items)
            scores.append(record.scores)
    return CATResults(theta_true=theta, theta_hat=theta_hat, se=se,
                      n_items=np.array([x.size for x in items], dtype=int),
                      level=np.asarray(level_index(theta_hat, design.cuts), dtype=int),
                      items=tuple(items), scores=tuple(scores))
