"""Choosing the next item: information criteria, exposure control, content balance, practice.

A bank is a set of arrays ``a, b, c`` of shape ``(m,)`` plus a boolean mask
``available`` of the items that may be given now. Content constraints are
masks the caller combines with ``&``: :func:`content_mask` builds one from
metadata arrays (language, track, trade, skill, item type), and
:func:`exclude_served` removes the items already given, so no item is ever
repeated within a session. All randomness comes from an explicit
``numpy.random.Generator``. When the mask leaves no item, selection raises
:class:`~engine.errors.NoItemsAvailable` (a ``ValueError``).

Criteria (van der Linden & Pashley, 2010):

- ``"mfi"``, maximum Fisher information at the EAP,
  :math:`\\arg\\max_j I_j(\\hat\\theta)` (Lord, 1980);
- ``"pwi"``, posterior-weighted information,
  :math:`\\arg\\max_j \\int I_j(\\theta)\\,p(\\theta \\mid u)\\,d\\theta`
  (van der Linden, 1998), better than MFI while the posterior is wide;
- ``"cut"``, maximum information at the cut score nearest the EAP,
  :math:`\\arg\\max_j I_j(\\theta_{c^*})`, :math:`c^* = \\arg\\min_c |\\hat\\theta - \\theta_c|`
  (Spray & Reckase, 1994; Eggen, 1999): for a classification test, whose
  likelihood ratios are evaluated at the cuts (:mod:`engine.stopping`).

Posterior-weighted information on a large bank is found without evaluating
every item: an item's average over the posterior is at most its largest
information on the nodes that carry weight, which is reached at the node nearest
the ability where its information peaks (Birnbaum, 1968),
:math:`\\theta^*_j = b_j + \\log\\big((1 + \\sqrt{1 + 8c_j})/2\\big)/a_j`.
The items are evaluated exactly in decreasing order of that bound until no
bound left exceeds the ``top_k``-th best value found, so the choice is the
full computation's (:data:`PWI_CANDIDATES` first).

Exposure control: randomesque choice among the ``top_k`` best items
(Kingsbury & Zara, 1989) and Sympson--Hetter (1985) probabilities :math:`k_j`:
item :math:`j` is given, when it is the best remaining, with probability
:math:`k_j`, else passed over for this learner.

Content balance by deficit weighting, the maximum priority index of Cheng &
Chang (2009) with quotas that grow with the test: after :math:`n` items, of
which :math:`x_s` on skill :math:`s` with target share :math:`t_s`, an item on
skill :math:`s` has priority :math:`I_j \\cdot f_s`,

.. math::

    f_s = \\max\\Big(0,\\; 1 - \\frac{x_s}{t_s (n + 1)}\\Big),

so a skill that has met its share of the next item waits until the others catch up.
A second constraint, the item type :math:`k` with its own targets, multiplies
in as the index does for every constraint an item belongs to:
:math:`I_j \\cdot f_s \\cdot g_k`. Each constraint narrows the items allowed
only while some item it allows remains.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Literal, get_args

import numpy as np
from scipy.special import expit

from engine.cefr import CutScores, check_cuts
from engine.errors import NoItemsAvailable
from engine.models import guessing_ratio, information, probability

#: Each item's label (skill, item type): a sequence or an array of strings, shape (m,).
Labels = Sequence[str] | np.ndarray
#: A selection criterion (module notes).
Method = Literal["mfi", "pwi", "cut"]
#: Selection criteria by name.
METHODS: tuple[Method, ...] = get_args(Method)
#: Practice mode: the default predicted probability of success to aim at.
PRACTICE_TARGET = 0.75
#: Practice mode: items whose predicted success is this close to the best one's
#: distance from the target count as equally near; information decides between them.
PRACTICE_TOLERANCE = 0.025
#: Grid nodes with posterior weight below this share of the largest are left out
#: of posterior averages (their total contribution is below Q * 1e-6 relative).
WEIGHT_FLOOR = 1e-6
#: Posterior-weighted information: items evaluated exactly at first, in decreasing
#: order of their bound (at least 4 * top_k; module notes).
PWI_CANDIDATES = 64


def content_mask(metadata: Mapping[str, Sequence], **wanted) -> np.ndarray:
    """Items whose metadata match every filter given.

    ``content_mask({"language": langs, "skill": skills}, language="nb",
    skill=("reading", "grammar"))``: a scalar filter must equal the item's
    value, a tuple, list or set lists the values allowed; a key not passed is
    not filtered on.
    """
    columns = {key: np.asarray(values, dtype=object) for key, values in metadata.items()}
    sizes = {column.size for column in columns.values()}
    if len(sizes) != 1:
        raise ValueError("metadata arrays must all have one length")
    mask = np.ones(sizes.pop(), dtype=bool)
    for key, value in wanted.items():
        if key not in columns:
            raise KeyError(f"no metadata {key!r} (have: {', '.join(columns)})")
        allowed = value if isinstance(value, (tuple, list, set, frozenset)) else (value,)
        mask &= np.isin(columns[key], list(allowed))
    return mask


def exclude_served(available, served: Sequence[int]) -> np.ndarray:
    """A copy of ``available`` with the items already served (indices) switched off."""
    mask = np.array(available, dtype=bool)
    mask[np.asarray(served, dtype=int)] = False
    return mask


def _posterior_average(posterior, values: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """:math:`\\sum_q w_q v_{qj}` for per-node item values ``values(nodes) -> (Q', m)``."""
    weights = posterior.weights()
    kept = weights >= WEIGHT_FLOOR * weights.max()
    return (weights[kept] / weights[kept].sum()) @ values(posterior.nodes[kept])


def nearest_cut(theta, cuts: CutScores) -> np.ndarray:
    """The cut score nearest each ``theta`` (the lower one when two are equally near)."""
    checked = check_cuts(cuts)
    distance = np.abs(np.asarray(theta, dtype=float)[..., np.newaxis] - checked)
    return checked[np.argmin(distance, axis=-1)]


def item_information(posterior, a, b, c, method: Method = "mfi", cuts: CutScores | None = None) -> np.ndarray:
    """Information of each item under the criterion ``method`` (see the module notes), (m,).

    ``method="cut"`` needs the ``cuts``.
    """
    if method == "mfi":
        return information(posterior.estimate().theta, a, b, c)
    if method == "pwi":
        return _posterior_average(posterior, lambda nodes: information(nodes, a, b, c))
    if method == "cut":
        if cuts is None:
            raise ValueError('method="cut" needs the cuts')
        return information(float(nearest_cut(posterior.estimate().theta, cuts)), a, b, c)
    raise ValueError(f"method must be one of {METHODS}, got {method!r}")


def information_peak(a, b, c) -> np.ndarray:
    """Ability at which each item's information is largest (Birnbaum, 1968; Lord, 1980, eq. 10-4).

    .. math::

        \\theta^*_j = b_j + \\frac{1}{a_j}\\log\\frac{1 + \\sqrt{1 + 8 c_j}}{2},

    :math:`b_j` itself for a 2PL item.
    """
    a, b, c = (np.asarray(x, dtype=float) for x in (a, b, c))
    return b + np.log((1.0 + np.sqrt(1.0 + 8.0 * c)) / 2.0) / a


def information_each(theta, a, b, c) -> np.ndarray:
    """:math:`I_j(\\theta_j)`: each item's information at its own ability (all arrays (m,))."""
    a, b, c = (np.asarray(x, dtype=float) for x in (a, b, c))
    p_star = expit(a * (np.asarray(theta, dtype=float) - b))
    return a**2 * p_star * (1.0 - p_star) * (1.0 - c) * guessing_ratio(p_star, c)


def _pwi_priority(posterior, a, b, c, allowed: np.ndarray, weight, top_k: int) -> np.ndarray:
    """Posterior-weighted priority of every item that can be among the ``top_k`` best, -inf elsewhere.

    The bound of the module notes: items are evaluated exactly in decreasing order
    of their bound until no bound left exceeds the ``top_k``-th best value.
    """
    weights = posterior.weights()
    kept = posterior.nodes[weights >= WEIGHT_FLOOR * weights.max()]
    candidates = np.flatnonzero(allowed)
    factor = np.broadcast_to(np.asarray(weight, dtype=float), allowed.shape)[candidates]
    a, b, c = (np.broadcast_to(np.asarray(x, dtype=float), allowed.shape)[candidates] for x in (a, b, c))
    bound = factor * information_each(np.clip(information_peak(a, b, c), kept[0], kept[-1]), a, b, c)
    k = min(int(top_k), candidates.size)
    first = min(candidates.size, max(PWI_CANDIDATES, 4 * k))
    chosen = np.argpartition(-bound, first - 1)[:first] if first < candidates.size else np.arange(candidates.size)

    def exact(index: np.ndarray) -> np.ndarray:
        return factor[index] * _posterior_average(
            posterior, lambda nodes: information(nodes, a[index], b[index], c[index]))

    values = np.full(candidates.size, -np.inf)
    values[chosen] = exact(chosen)
    kth = np.partition(values, candidates.size - k)[candidates.size - k]
    rest = np.flatnonzero((bound >= kth) & np.isneginf(values))
    if rest.size:
        values[rest] = exact(rest)
    priority = np.full(allowed.shape, -np.inf)
    priority[candidates] = values
    return priority


def deficit_weights(skills: Labels, targets: Mapping[str, float],
                    counts: Mapping[str, int]) -> np.ndarray:
    """Cheng & Chang's (2009) factor :math:`f_s` for each item's skill (module notes).

    ``targets`` are shares (normalised to sum to 1); skills without a target get 0;
    ``counts`` are the items given so far per skill.
    """
    total = sum(targets.values())
    if total <= 0 or any(share < 0 for share in targets.values()):
        raise ValueError("target shares must be >= 0 with a positive sum")
    labels, inverse = np.unique(np.asarray(skills, dtype=object).astype(str), return_inverse=True)
    quota = np.array([targets.get(label, 0.0) / total for label in labels]) * (sum(counts.values()) + 1)
    given = np.array([counts.get(label, 0) for label in labels], dtype=float)
    factor = np.divide(quota - given, quota, out=np.zeros(labels.size), where=quota > 0)
    return np.maximum(factor, 0.0)[inverse]


def _require(rng: np.random.Generator | None, what: str) -> np.random.Generator:
    if rng is None:
        raise ValueError(f"{what} is random: pass rng=numpy.random.default_rng(seed)")
    return rng


def balance(available: np.ndarray,
            constraints: Sequence[tuple[Labels | None, Mapping[str, float] | None, Mapping[str, int] | None]]
            ) -> tuple[np.ndarray, float | np.ndarray]:
    """The items content balance allows and their factor (module notes), for ``(labels, targets, counts)``.

    Constraints whose ``targets`` are None are skipped; one whose labels are
    missing raises ``ValueError``. Each constraint narrows ``available`` to the
    items with a positive factor while that leaves any.
    """
    allowed: np.ndarray = available
    weight: float | np.ndarray = 1.0
    for labels, targets, counts in constraints:
        if targets is None:
            continue
        if labels is None:
            raise ValueError("content targets need the label (skill, type) of each item")
        factor = deficit_weights(labels, targets, counts or {})
        if np.any(allowed & (factor > 0)):
            allowed, weight = allowed & (factor > 0), weight * factor
    return allowed, weight


def pick(priority: np.ndarray, top_k: int = 1, draw: float = 0.0) -> int:
    """The item a randomesque choice among the ``top_k`` best makes with the uniform ``draw`` in [0, 1).

    The ``top_k`` items of largest priority (finite priorities only), best first
    and ties by index, and the one at position ``floor(draw * k)``: with ``draw``
    uniform, each of the ``k`` is equally likely (Kingsbury & Zara, 1989).
    """
    if not 0.0 <= draw < 1.0:
        raise ValueError(f"draw must be in [0, 1), got {draw}")
    k = min(int(top_k), int(np.count_nonzero(np.isfinite(priority))))
    if k <= 1:
        return int(np.argmax(priority))
    kth = -np.partition(-priority, k - 1)[k - 1]
    tied = np.flatnonzero(priority >= kth)  # the k best, and any tied with the k-th
    best = tied[np.argsort(-priority[tied], kind="stable")][:k]
    return int(best[int(draw * k)])


def select_item(posterior, a, b, c, available, top_k: int = 1, rng: np.random.Generator | None = None, *,
                method: Method = "mfi", exposure=None, skills: Labels | None = None,
                targets: Mapping[str, float] | None = None,
                counts: Mapping[str, int] | None = None, types: Labels | None = None,
                type_targets: Mapping[str, float] | None = None, type_counts: Mapping[str, int] | None = None,
                cuts: CutScores | None = None, draw: float | None = None) -> int:
    """Index of the next item to give (adaptive testing).

    Parameters
    ----------
    posterior : GridPosterior
        The learner's current posterior.
    a, b, c : array_like, shape (m,)
        Item parameters of the whole bank.
    available : array_like of bool, shape (m,)
        Items that may be given (content filters AND not yet served).
    top_k : int
        Randomesque exposure control: choose uniformly among the ``top_k`` best.
    rng : numpy.random.Generator
        Needed when ``top_k > 1`` or ``exposure`` is given.
    method : {"mfi", "pwi", "cut"}
        Maximum information at the EAP, posterior-weighted information, or
        maximum information at the cut nearest the EAP (needs ``cuts``).
    exposure : array_like, shape (m,), optional
        Sympson--Hetter probabilities :math:`k_j \\in [0, 1]`. If every
        candidate is passed over (rare unless all :math:`k_j` are small), the
        choice is made as if no item had been.
    skills, targets, counts : optional
        Skill of each item (m,), target share per skill and items given so
        far per skill: deficit weighting (module notes). When every remaining
        item's skill has met its share, information alone decides.
    types, type_targets, type_counts : optional
        The same for item types, a second constraint multiplied in.
    cuts : sequence of float, optional
        Cut scores, for ``method="cut"``.
    draw : float, optional
        A uniform number in [0, 1) for the randomesque choice (:func:`pick`),
        instead of a draw from ``rng``.

    Returns
    -------
    int
        Index into the bank arrays.

    Raises
    ------
    NoItemsAvailable
        If no item is available (a ``ValueError``).
    ValueError
        If ``targets`` come without ``skills``, or an argument is invalid.
    """
    available = np.asarray(available, dtype=bool)
    if not available.any():
        raise NoItemsAvailable()
    # Narrow the items allowed step by step, never to none; then rank by (weighted) information.
    allowed, weight = balance(available, ((skills, targets, counts), (types, type_targets, type_counts)))
    if exposure is not None:
        given = _require(rng, "Sympson-Hetter exposure control").random(allowed.size)
        accepted = given < np.asarray(exposure, dtype=float)
        if np.any(allowed & accepted):
            allowed = allowed & accepted
    if method == "pwi":
        priority = _pwi_priority(posterior, a, b, c, allowed, weight, max(int(top_k), 1))
    else:
        priority = np.where(allowed, item_information(posterior, a, b, c, method, cuts) * weight, -np.inf)
    if top_k <= 1 or draw is not None:
        return pick(priority, top_k, 0.0 if draw is None else draw)
    k = min(int(top_k), int(np.count_nonzero(allowed)))
    best = np.argpartition(-priority, k - 1)[:k]
    return int(_require(rng, "randomesque selection").choice(best))


def select_practice(posterior, a, b, c, available, target: float = PRACTICE_TARGET,
                    rng: np.random.Generator | None = None) -> int:
    """Index of the practice item whose predicted success is nearest ``target``.

    The predicted success is averaged over the posterior,
    :math:`\\bar P_j = \\int P_j(\\theta)\\,p(\\theta \\mid u)\\,d\\theta`; among the
    items within :data:`PRACTICE_TOLERANCE` of the nearest, the one with the
    largest posterior-weighted information is chosen (exact ties, e.g. clones
    of one item, at random with ``rng``, else the first). Raises
    :class:`NoItemsAvailable` (a ``ValueError``) if no item is available.
    """
    if not 0.0 < target < 1.0:
        raise ValueError(f"target must be in (0, 1), got {target}")
    available = np.asarray(available, dtype=bool)
    candidates = np.flatnonzero(available)
    if candidates.size == 0:
        raise NoItemsAvailable()
    a, b, c = (np.broadcast_to(np.asarray(x, dtype=float), available.shape)[candidates] for x in (a, b, c))
    distance = np.abs(_posterior_average(posterior, lambda nodes: probability(nodes, a, b, c)) - target)
    near = distance <= distance.min() + PRACTICE_TOLERANCE
    priority = np.where(near, item_information(posterior, a, b, c, "pwi"), -np.inf)
    best = np.flatnonzero(priority == priority.max())
    pick = rng.choice(best) if rng is not None and best.size > 1 else best[0]
    return int(candidates[pick])
