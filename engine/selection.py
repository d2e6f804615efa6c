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
  (van der Linden, 1998), better than MFI while the posterior is wide.

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
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Literal, get_args

import numpy as np

from engine.errors import NoItemsAvailable
from engine.models import information, probability

#: A selection criterion (module notes).
Method = Literal["mfi", "pwi"]
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


def item_information(posterior, a, b, c, method: Method = "mfi") -> np.ndarray:
    """Information of each item under the criterion ``method`` (see the module notes), (m,)."""
    if method == "mfi":
        return information(posterior.estimate().theta, a, b, c)
    if method == "pwi":
        return _posterior_average(posterior, lambda nodes: information(nodes, a, b, c))
    raise ValueError(f"method must be one of {METHODS}, got {method!r}")


def deficit_weights(skills: Sequence[str], targets: Mapping[str, float],
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


def select_item(posterior, a, b, c, available, top_k: int = 1, rng: np.random.Generator | None = None, *,
                method: Method = "mfi", exposure=None, skills: Sequence[str] | None = None,
                targets: Mapping[str, float] | None = None,
                counts: Mapping[str, int] | None = None) -> int:
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
    method : {"mfi", "pwi"}
        Maximum information at the EAP, or posterior-weighted information.
    exposure : array_like, shape (m,), optional
        Sympson--Hetter probabilities :math:`k_j \\in [0, 1]`. If every
        candidate is passed over (rare unless all :math:`k_j` are small), the
        choice is made as if no item had been.
    skills, targets, counts : optional
        Skill of each item (m,), target share per skill and items given so
        far per skill: deficit weighting (module notes). When every remaining
        item's skill has met its share, information alone decides.

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
    allowed: np.ndarray = available
    weight: float | np.ndarray = 1.0
    if targets is not None:
        if skills is None:
            raise ValueError("targets need the skill of each item")
        factor = deficit_weights(skills, targets, counts or {})
        if np.any(allowed & (factor > 0)):
            allowed, weight = allowed & (factor > 0), factor
    if exposure is not None:
        given = _require(rng, "Sympson-Hetter exposure control").random(allowed.size)
        accepted = given < np.asarray(exposure, dtype=float)
        if np.any(allowed & accepted):
            allowed = allowed & accepted
    priority = np.where(allowed, item_information(posterior, a, b, c, method) * weight, -np.inf)
    if top_k <= 1:
        return int(np.argmax(priority))
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
