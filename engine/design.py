"""The design of an adaptive test, as one frozen value, and the designs we run.

A :class:`CATDesign` holds everything that decides which items a learner
gets and when the test ends:

- **selection**: the criterion (``"mfi"``, ``"pwi"`` or ``"cut"``; see
  :mod:`engine.selection`), randomesque exposure control among the ``top_k``
  best items (Kingsbury & Zara, 1989), progressively restricted with
  ``opening_top_k`` (below), and content balance, target shares over
  skills and over item types (the maximum priority index of Cheng & Chang, 2009);
- **estimation**: the normal prior of the grid posterior and the final estimator
  (``"eap"``, ``"map"``, ``"wle"``; :mod:`engine.estimation`);
- **stopping** (:mod:`engine.stopping`): length bounds, a precision target
  (posterior SD at most ``se_target``) and/or classification at the ``cuts``
  (``classify``) by its ``rule`` (``"glr"`` or ``"sprt"``) with indifference
  half-width ``delta`` and error rates ``alpha``, ``beta``, stochastically
  curtailed at ``curtail`` (None: not curtailed) against the band the test would
  reach at SE ``curtail_se`` or at ``max_items`` (``curtail_se=None``);
- the **cuts** between the CEFR levels.

**A randomesque set that narrows.** With ``opening_top_k`` = :math:`K` the item
after :math:`n` answers is drawn from the :math:`\\max(k, \\lfloor K / 2^n \\rfloor)` best,
``top_k`` = :math:`k`. The first items are chosen at the prior, the same for
everyone: with the 3 best only, every placement test opened with one of the
same three items, and a class taking the test together would share them
(``bench/cat_designs.py``, part 3). The first answers weigh least in the
result, so the set is widest there (the idea of the progressive method,
Revuelta & Ponsoda, 1998); halving it with each answer costs no length on a
bank with prior parameters and little on a calibrated one, where the best
items are much better than the 48th (a set narrowing by one item per answer
instead, from 24, spread the middle of the test too, but on a bank with varying
discrimination the median test grew from 13 items to 17; ``docs/model.md``).

With ``selection="cut"`` the items are chosen at the cut nearest the EAP
while the level is still open; once it is decided (possible only before
``min_items``) the test measures the learner where they are (MFI at the EAP).

The named designs (:data:`DESIGNS`) are the ones the service, ``b1engine
simulate-cat --design NAME`` and the benchmarks read:

- :data:`PLACEMENT`, the service's placement test: classification at the
  CEFR cuts by the GLR, items at the nearest cut, content balance over skills
  and item types, randomesque among the 48 best at the first item, the 24
  best at the second, down to the 3 best from the fifth, 8 to 40 items, curtailed
  stochastically at 0.82 against the level the test would reach at 40 items;
- :data:`PRECISION`, a precision CAT: MFI at the EAP until SE <= 0.3 (5 to 40 items);
- :data:`CLASSIFICATION`, the classification CAT the benchmarks compare with
  it: items at the nearest cut, the GLR at the cuts, curtailed at 0.92 against
  the level at SE 0.25 (5 to 40 items);
- :data:`REFERENCE`, a 40-item precision test (MFI, fixed length): the level it
  reaches is what a placement test's level is compared with.

Their numbers were chosen by simulation (``docs/model.md``, "Choosing the defaults").
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

from engine import selection as sel
from engine import stopping
from engine.cefr import DEFAULT_CUTS, check_cuts
from engine.estimation import ESTIMATORS, PRIOR_MEAN, PRIOR_SD, Estimator, GridPosterior
from engine.models import information
from engine.selection import METHODS, Labels, Method
from engine.stopping import ClassificationDecision, Rule

#: Target shares as the design keeps them: ``((label, share), ...)``, sorted by label.
Shares = tuple[tuple[str, float], ...]


def _shares(value: Shares | Mapping[str, float], what: str) -> Shares:
    pairs = sorted(dict(value).items())
    shares = tuple((str(label), float(share)) for label, share in pairs)
    if shares and (any(not share >= 0 for _, share in shares) or sum(s for _, s in shares) <= 0):
        raise ValueError(f"{what} must be shares >= 0 with a positive sum, got {dict(shares)}")
    return shares


@dataclass(frozen=True)
class CATDesign:
    """How an adaptive test is run (module notes). The defaults are :data:`PRECISION`'s.

    ``se_target=None`` switches the precision rule off; ``classify=True`` adds
    classification at ``cuts``. Target shares may be given as a mapping; they
    are kept as sorted ``(label, share)`` pairs, so the value stays hashable.
    Invalid values raise ``ValueError``.
    """

    # selection
    selection: Method = "mfi"
    top_k: int = 1
    #: The randomesque set at the first item, halved with each item answered, down to top_k
    #: (module notes); None: top_k throughout.
    opening_top_k: int | None = None
    skill_targets: Shares = ()
    type_targets: Shares = ()
    # estimation
    estimator: Estimator = "eap"
    prior_mean: float = PRIOR_MEAN
    prior_sd: float = PRIOR_SD
    # stopping
    se_target: float | None = stopping.SE_TARGET
    min_items: int = stopping.MIN_ITEMS
    max_items: int = stopping.MAX_ITEMS
    classify: bool = False
    rule: Rule = stopping.RULE
    delta: float = stopping.INDIFFERENCE_HALF_WIDTH
    alpha: float = stopping.ALPHA
    beta: float = stopping.BETA
    curtail: float | None = stopping.CURTAIL
    curtail_se: float | None = stopping.CURTAIL_SE
    cuts: tuple[float, ...] = DEFAULT_CUTS
    #: A name for reports (not part of the design's behaviour).
    name: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if self.selection not in METHODS:
            raise ValueError(f"selection must be one of {METHODS}, got {self.selection!r}")
        if self.estimator not in ESTIMATORS:
            raise ValueError(f"estimator must be one of {tuple(ESTIMATORS)}, got {self.estimator!r}")
        if not isinstance(self.top_k, (int, np.integer)) or self.top_k < 1:
            raise ValueError(f"top_k must be an integer >= 1, got {self.top_k!r}")
        if not 1 <= self.min_items <= self.max_items:
            raise ValueError(f"need 1 <= min_items <= max_items, got {self.min_items} and {self.max_items}")
        if self.se_target is not None and not self.se_target > 0:
            raise ValueError(f"se_target must be > 0 or None, got {self.se_target}")
        if not self.prior_sd > 0:
            raise ValueError(f"prior_sd must be > 0, got {self.prior_sd}")
        stopping.check_classification(self.rule, self.delta, self.alpha, self.beta)
        if self.curtail is not None and not 0.5 < self.curtail < 1.0:
            raise ValueError(f"curtail must be in (0.5, 1) or None, got {self.curtail}")
        if self.curtail_se is not None and not self.curtail_se > 0:
            raise ValueError(f"curtail_se must be > 0 or None, got {self.curtail_se}")
        object.__setattr__(self, "cuts", tuple(float(x) for x in check_cuts(tuple(self.cuts))))
        object.__setattr__(self, "skill_targets", _shares(self.skill_targets, "skill_targets"))
        object.__setattr__(self, "type_targets", _shares(self.type_targets, "type_targets"))
        object.__setattr__(self, "top_k", int(self.top_k))
        if self.opening_top_k is not None:
            if not isinstance(self.opening_top_k, (int, np.integer)) or self.opening_top_k < self.top_k:
                raise ValueError(f"opening_top_k must be an integer >= top_k or None, got {self.opening_top_k!r}")
            object.__setattr__(self, "opening_top_k", int(self.opening_top_k))

    def randomesque(self, answered: int) -> int:
        """How many of the best items the next one is drawn from, after ``answered`` items."""
        if self.opening_top_k is None:
            return self.top_k
        return max(self.top_k, self.opening_top_k >> answered)

    @property
    def skill_shares(self) -> dict[str, float] | None:
        """The skills' target shares as a dict, None without content balance over skills."""
        return dict(self.skill_targets) or None

    @property
    def type_shares(self) -> dict[str, float] | None:
        """The item types' target shares as a dict, None without content balance over types."""
        return dict(self.type_targets) or None

    def prior(self) -> GridPosterior:
        """The grid posterior a test starts from."""
        return GridPosterior.prior(self.prior_mean, self.prior_sd)

    def decision(self, posterior: GridPosterior) -> ClassificationDecision:
        """The classification at the cuts by the design's rule (whether or not it stops the test)."""
        return stopping.classification_decision(posterior, self.cuts, self.delta, self.alpha, self.beta,
                                                self.rule)

    @property
    def curtails(self) -> bool:
        """Whether the test is curtailed stochastically (a classification test with ``curtail``)."""
        return self.classify and self.curtail is not None

    def should_stop(self, posterior: GridPosterior, answered: int, a=None, b=None, c=None,
                    available=None, *, decision: ClassificationDecision | None = None) -> bool:
        """Whether the test stops after ``answered`` items (:func:`engine.stopping.should_stop`).

        A design that curtails (:attr:`curtails`) needs the bank ``a, b, c`` and
        the items still ``available``, for the information the rest of the test can add.
        ``decision``: :meth:`decision` of ``posterior`` when the caller has it (the
        selection reads it too: one computation per step).
        """
        future = None
        if self.curtails and self.min_items <= answered < self.max_items:
            if a is None or b is None or c is None or available is None:
                raise ValueError("a curtailed design needs the bank (a, b, c) and the available items")
            node = posterior.nodes[stopping.nearest_node(posterior.nodes, posterior.estimate().theta)]
            future = float(stopping.future_information(information(node, a, b, c), available,
                                                       self.max_items - answered))
        return stopping.should_stop(posterior, answered, cuts=self.cuts, min_items=self.min_items,
                                    max_items=self.max_items, se_target=self.se_target,
                                    classify=self.classify, delta=self.delta, alpha=self.alpha,
                                    beta=self.beta, rule=self.rule,
                                    curtail=self.curtail if self.curtails else None,
                                    curtail_se=self.curtail_se, future=future, decision=decision)

    def criterion(self, posterior: GridPosterior, decision: ClassificationDecision | None = None) -> Method:
        """The selection criterion now: ``"cut"`` falls back to ``"mfi"`` once the level is decided
        (``decision``: :meth:`decision` of ``posterior``, computed here when not given)."""
        if self.selection == "cut" and (self.decision(posterior) if decision is None else decision).decided:
            return "mfi"
        return self.selection

    def select(self, posterior: GridPosterior, a, b, c, available, rng: np.random.Generator | None = None, *,
               skills: Labels | None = None, types: Labels | None = None,
               skill_counts: Mapping[str, int] | None = None, type_counts: Mapping[str, int] | None = None,
               answered: int, draw: float | None = None, decision: ClassificationDecision | None = None) -> int:
        """Index of the next item under this design (:func:`engine.selection.select_item`).

        ``skills`` and ``types`` label each item of the bank (needed when the
        design balances them); the counts are the items given so far per label.
        The randomesque choice is among the :meth:`randomesque` best after ``answered``
        items; it uses ``draw`` (uniform in [0, 1)) when given, else one ``rng.random()``.
        ``decision`` as in :meth:`should_stop`.
        """
        top_k = self.randomesque(answered)
        if draw is None and top_k > 1:
            if rng is None:
                raise ValueError("randomesque selection is random: pass rng=numpy.random.default_rng(seed)")
            draw = float(rng.random())
        return sel.select_item(posterior, a, b, c, available, top_k, method=self.criterion(posterior, decision),
                               skills=skills, targets=self.skill_shares, counts=skill_counts, types=types,
                               type_targets=self.type_shares, type_counts=type_counts, cuts=self.cuts,
                               draw=0.0 if draw is None else draw)


#: Skills of the bank (content.catalog.SKILLS) and their shares in a placement test.
PLACEMENT_SKILLS: Shares = (("functional", 0.2), ("grammar", 0.3), ("reading", 0.2), ("vocabulary", 0.3))
#: Item types (content.schema.ItemType) and their shares in a placement test.
PLACEMENT_TYPES: Shares = (("cloze_choice", 0.2), ("cloze_typed", 0.2), ("multiple_choice", 0.2),
                           ("reading", 0.2), ("word_order", 0.2))

#: The service's placement test (module notes).
PLACEMENT = CATDesign(selection="cut", top_k=3, opening_top_k=48, skill_targets=PLACEMENT_SKILLS,
                      type_targets=PLACEMENT_TYPES, se_target=None, min_items=8, max_items=40, classify=True,
                      curtail=0.82, curtail_se=None, name="placement")
#: A precision CAT (module notes): what the benchmarks compare with catsim and mirt.
PRECISION = CATDesign(selection="mfi", se_target=0.3, min_items=5, max_items=40, name="precision")
#: The classification CAT the benchmarks compare with the precision CAT (module notes).
CLASSIFICATION = CATDesign(selection="cut", se_target=None, min_items=5, max_items=40, classify=True,
                           name="classification")
#: A 40-item precision test: the level a placement test is checked against.
REFERENCE = CATDesign(selection="mfi", se_target=None, min_items=40, max_items=40, name="reference")

#: The named designs, as ``b1engine simulate-cat --design NAME`` reads them.
DESIGNS: Mapping[str, CATDesign] = MappingProxyType({
    "placement": PLACEMENT, "precision": PRECISION, "classification": CLASSIFICATION, "reference": REFERENCE})
