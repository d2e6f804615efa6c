"""What a learning session serves next: the placement test's and the drill's rules.

Pure functions of the session's state, its item pool and the facts the store
read about the learner (:class:`LearnerFacts`): no database, no clock, the
randomness from the state's own seed. The orchestration
(:mod:`api.services.sessions`) reads the facts, asks :func:`next_step`, and
writes what it returns.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from api.services import engine_adapter as adapter
from api.services.engine_adapter import GridPosterior
from api.services.item_cache import Pool, PoolRow
from api.services.session_state import Mode, SessionState

#: Slack when comparing the trade's count of new items with its share (float sums).
SHARE_TOLERANCE = 1e-9


@dataclass(frozen=True)
class PlacementDesign:
    """The placement test: length bounds, the precision target, randomesque exposure control
    (pick at random among the ``top_k`` most informative items)."""

    min_items: int = 10
    max_items: int = 30
    se_target: float = 0.35
    top_k: int = 3


@dataclass(frozen=True)
class DrillDesign:
    """A drill: its length, the target success rate, the largest share of due reviews."""

    length: int
    target_success: float
    review_share: float

    @property
    def review_cap(self) -> int:
        return int(np.floor(self.review_share * self.length))


#: The service's placement test.
PLACEMENT = PlacementDesign()


@dataclass(frozen=True)
class LearnerFacts:
    """What the store knows of the learner that the rules use.

    ``met``: items the learner answered before (any session); ``due``: vocabulary
    keys due for review, most overdue first; ``scheduled``: keys with a memory state.
    """

    met: frozenset[str] = frozenset()
    due: tuple[str, ...] = ()
    scheduled: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Step:
    """The rules' answer: the item to serve (None: the session is over) and the new state."""

    item: PoolRow | None
    state: SessionState


def rng_for(state: SessionState) -> np.random.Generator:
    """Derived from the session's seed and position: reproducible, no per-process state."""
    return np.random.default_rng([state.seed, len(state.served)])


def should_stop(mode: Mode, state: SessionState, posterior: GridPosterior,
                placement: PlacementDesign, drill: DrillDesign) -> bool:
    if mode == Mode.DRILL:
        return state.answered >= drill.length
    return adapter.placement_should_stop(posterior, state.answered, min_items=placement.min_items,
                                         max_items=placement.max_items, se_target=placement.se_target)


def next_step(mode: Mode, track: str, state: SessionState, posterior: GridPosterior, pool: Pool,
              facts: LearnerFacts, placement: PlacementDesign, drill: DrillDesign) -> Step:
    """The next item and the state with it served (and the drill's counters moved)."""
    if should_stop(mode, state, posterior, placement, drill):
        return Step(None, state)
    available = pool.unserved(list(state.served))
    if mode == Mode.DRILL:
        review = due_review(state, posterior, pool, available, facts, drill)
        if review is not None:
            return Step(review, replace(state, reviews=state.reviews + 1).serving(review.id))
        available = new_items(track, state, pool, available, facts)
    else:
        available = unmet_first(pool, available, facts.met)
    if not available.any():
        return Step(None, state)
    chosen = select(mode, state, posterior, pool, available, placement, drill)
    if mode == Mode.DRILL:
        state = replace(state, new=state.new + 1, new_trade=state.new_trade + int(chosen.track == "trade"))
    return Step(chosen, state.serving(chosen.id))


def select(mode: Mode, state: SessionState, posterior: GridPosterior, pool: Pool,
           available: np.ndarray, placement: PlacementDesign, drill: DrillDesign) -> PoolRow:
    index = adapter.select_item(posterior, pool.a, pool.b, pool.c, available,
                                practice=mode == Mode.DRILL, target=drill.target_success,
                                top_k=placement.top_k, rng=rng_for(state))
    return pool[index]


def due_review(state: SessionState, posterior: GridPosterior, pool: Pool, available: np.ndarray,
               facts: LearnerFacts, drill: DrillDesign) -> PoolRow | None:
    """An item of the most overdue vocabulary entry, while reviews are under their share of the drill.

    Among that entry's items not yet served in this session, the one nearest the
    target success rate (an item met before is fine: the word is what is reviewed).
    """
    if state.reviews >= drill.review_cap:
        return None
    keys = {r.vocab_key for r in pool if r.vocab_key}
    for key in facts.due:
        if key not in keys:
            continue
        candidates = available & np.array([r.vocab_key == key for r in pool], dtype=bool)
        if candidates.any():
            return select(Mode.DRILL, state, posterior, pool, candidates, PLACEMENT, drill)
    return None


def unmet_first(pool: Pool, available: np.ndarray, met: frozenset[str]) -> np.ndarray:
    """Items the learner has not met, while there are any: a retaken placement test asks new
    items (what was learnt about an item, from a drill's feedback say, says nothing about
    the level), and a drill's new part is new."""
    if not met:
        return available
    fresh = available & np.array([r.id not in met for r in pool], dtype=bool)
    return fresh if fresh.any() else available


def new_items(track: str, state: SessionState, pool: Pool, available: np.ndarray,
              facts: LearnerFacts) -> np.ndarray:
    """Items for the new part of a drill: the pathway's blend, unseen first, no early reviews.

    A vocabulary entry the learner already has a memory state for comes back
    only when due (as a review), never as a "new" item. The trade's share of
    new items follows the session's ``trade_share``: the next new item is from
    the trade while the trade's count is below its share of the new items.
    """
    if facts.scheduled:
        unscheduled = available & np.array([r.vocab_key not in facts.scheduled for r in pool], dtype=bool)
        if unscheduled.any():
            available = unscheduled
    available = unmet_first(pool, available, facts.met)
    if track == "trade":
        want_trade = state.new_trade < state.trade_share * (state.new + 1) - SHARE_TOLERANCE
        side = available & (pool.is_trade == want_trade)
        if side.any():
            available = side
    return available
