"""What a learning session serves next: the placement test's and the drill's rules.

Pure functions of the session's state, its item pool and the facts the store
read about the learner (:class:`LearnerFacts`): no database, no clock, the
randomness from the state's own seed. The orchestration
(:mod:`api.services.sessions`) reads the facts, asks :func:`next_step`, and
writes what it returns.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace

import numpy as np

from api.services import engine_adapter as adapter
from api.services.engine_adapter import GridPosterior
from api.services.item_cache import Pool, PoolRow
from api.services.session_state import Mode, SessionState

#: Slack when comparing the trade's count of new items with its share (float sums).
SHARE_TOLERANCE = 1e-9


@dataclass(frozen=True)
class DrillDesign:
    """A drill: its length, the target success rate, the largest share of due reviews."""

    length: int
    target_success: float
    review_share: float

    @property
    def review_cap(self) -> int:
        return int(np.floor(self.review_share * self.length))


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


def next_step(mode: Mode, track: str, state: SessionState, posterior: GridPosterior, pool: Pool,
              facts: LearnerFacts, placement: adapter.CATDesign, drill: DrillDesign) -> Step:
    """The next item and the state with it served (and the drill's counters moved).

    ``placement`` is the placement test's design (:func:`api.services.engine_adapter.placement_design`):
    its stopping rule and its selection, with content balance over the skills and item types
    served so far.
    """
    available = pool.unserved(list(state.served)) & pool.servable(state.support)
    if mode == Mode.PLACEMENT:
        # The curtailment asks what the items still available could add to the test.
        index = adapter.placement_next(placement, posterior, state.answered, pool.a, pool.b, pool.c,
                                       unmet_first(pool, available, facts.met), rng_for(state),
                                       skills=pool.skills, types=pool.types, **served_counts(pool, state.served))
        if index is None:
            return Step(None, state)
        chosen = pool[index]
        return Step(chosen, state.serving(chosen.id))
    if state.answered >= drill.length:
        return Step(None, state)
    review = due_review(state, posterior, pool, available, facts, drill)
    if review is not None:
        return Step(review, replace(state, reviews=state.reviews + 1).serving(review.id))
    available = new_items(track, state, pool, available, facts)
    if not available.any():
        return Step(None, state)
    chosen = practice(state, posterior, pool, available, drill)
    state = replace(state, new=state.new + 1, new_trade=state.new_trade + int(chosen.track == "trade"))
    return Step(chosen, state.serving(chosen.id))


def served_counts(pool: Pool, served: tuple[str, ...]) -> dict[str, dict[str, int]]:
    """Items served so far per skill and per type (the content balance's counts)."""
    rows = [pool[pool.index[i]] for i in served if i in pool.index]
    return {"skill_counts": dict(Counter(r.skill for r in rows)),
            "type_counts": dict(Counter(r.type for r in rows))}


def practice(state: SessionState, posterior: GridPosterior, pool: Pool, available: np.ndarray,
             drill: DrillDesign) -> PoolRow:
    return pool[adapter.select_practice(posterior, pool.a, pool.b, pool.c, available,
                                        target=drill.target_success, rng=rng_for(state))]


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
            return practice(state, posterior, pool, candidates, drill)
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
