"""One learner's growth state, updated one answer at a time, and its stored (JSON) form.

:class:`GrowthState` is the online form of the batch filter
(:func:`engine.growth.filter_abilities`): the same transition
(:mod:`engine.growth.transitions`) and likelihood
(:mod:`engine.growth.likelihood`), applied to one learner as answers arrive,
so a state updated answer by answer equals the batch filter's (the tests pin
this to 1e-9, round-tripping through :meth:`GrowthState.to_dict` at every step).
"""
from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any, TypedDict

import numpy as np

from engine.estimation import AbilityEstimate
from engine.growth.likelihood import _likelihood, _moments
from engine.growth.model import TINY, GrowthGrid, GrowthParameters, GrowthParametersDict, _decay, prior_density
from engine.growth.transitions import _advance


class DensityDict(TypedDict):
    """A density stored exactly: its shape and its float64 bytes (little-endian, C order) in base64."""

    shape: list[int]
    f8: str


class GrowthStateDict(TypedDict):
    """The stored form of :class:`GrowthState` (:meth:`GrowthState.to_dict`)."""

    density: DensityDict
    days: float | None
    tau: float
    pending_variance: float
    params: GrowthParametersDict


@dataclass(frozen=True)
class GrowthState:
    """One learner's posterior over (growth rate, u) after their answers so far.

    ``days`` is the time of the last answer (None before the first), ``tau``
    the days since the frame's anchor. The service stores it (``to_dict``)
    and updates it one answer at a time, exactly as the batch filter does.
    """

    density: np.ndarray
    days: float | None
    tau: float
    params: GrowthParameters
    pending_variance: float = 0.0

    @classmethod
    def new(cls, params: GrowthParameters) -> GrowthState:
        return cls(prior_density(params, GrowthGrid.default(params)), None, 0.0, params)

    @property
    def grid(self) -> GrowthGrid:
        return _state_grid(self.params)

    def estimate(self) -> AbilityEstimate[float]:
        mean, sd, _ = _moments(self.density[None], self.grid, np.array([self.tau]))
        return AbilityEstimate(theta=float(mean[0]), se=float(sd[0]))

    def growth_rate(self) -> float:
        """Posterior mean growth rate (logit / day)."""
        return float(_moments(self.density[None], self.grid, np.array([self.tau]), _decay(self.params))[2][0])

    def predict(self, days: float) -> GrowthState:
        """The state at a later time, before any new answer."""
        if self.days is None:
            return replace(self, days=float(days))
        elapsed = max(float(days) - self.days, 0.0)
        density, tau, pending, _ = _advance(self.density[None], np.array([elapsed]), np.array([self.tau]),
                                            np.array([self.pending_variance]), self.params, self.grid)
        return replace(self, density=density[0] / density[0].sum(), days=self.days + elapsed,
                       tau=float(tau[0]), pending_variance=float(pending[0]))

    def update(self, a: float, b: float, c: float, score: int, days: float) -> GrowthState:
        """Carry forward to ``days``, then multiply by the answer's likelihood."""
        state = self.predict(days)
        likelihood = _likelihood(self.grid, np.array([state.tau]), np.array([a]), np.array([b]),
                                 np.array([c]), np.array([score]))[0]
        density = state.density * likelihood
        return replace(state, density=density / max(density.sum(), TINY))

    def to_dict(self) -> GrowthStateDict:
        """JSON-ready. The density is stored compactly and exactly: its float64 bytes
        (little-endian, C order) in base64, with its shape; see :func:`_encode_density`."""
        return {"density": _encode_density(self.density), "days": self.days, "tau": self.tau,
                "pending_variance": self.pending_variance, "params": self.params.to_dict()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> GrowthState:
        """Inverse of :meth:`to_dict` (bit-exact); also reads the older forms: the density as
        nested lists, no ``pending_variance``, parameters without the growth-change ones."""
        return cls(_decode_density(data["density"]), data["days"], float(data["tau"]),
                   GrowthParameters.from_dict(data["params"]), float(data.get("pending_variance", 0.0)))


@lru_cache(maxsize=64)
def _state_grid(params: GrowthParameters) -> GrowthGrid:
    """The default grid of ``params``, built once (its arrays are read-only)."""
    grid = GrowthGrid.default(params)
    grid.u.setflags(write=False)
    grid.growth.setflags(write=False)
    return grid


def _encode_density(density: np.ndarray) -> DensityDict:
    """``{"shape": [G, Q], "f8": base64}``: a few microseconds, where a JSON list of ~1000
    floats costs a millisecond each way."""
    values = np.ascontiguousarray(density, dtype="<f8")
    return {"shape": list(values.shape), "f8": base64.b64encode(values.tobytes()).decode("ascii")}


def _decode_density(data: DensityDict | list[Any]) -> np.ndarray:
    if isinstance(data, dict):
        values = np.frombuffer(base64.b64decode(data["f8"]), dtype="<f8")
        return values.reshape([int(n) for n in data["shape"]]).astype(float)
    return np.asarray(data, dtype=float)  # stored before the compact form
