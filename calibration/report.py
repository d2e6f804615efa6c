"""The calibration report: parameters, item fit, DIF and cut scores, as typed records and as JSON."""
from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from calibration.calibrator import INSUFFICIENT, Calibrator
from calibration.cuts import CutScore, cut_scores, rp_theta
from calibration.dif import DEFAULT_STRATA, contingency_tables, mantel_haenszel, strata_of
from calibration.fit import ItemFit, mean_squares, moments


@dataclass(frozen=True)
class ItemReport:
    item_id: str
    status: str
    n_responses: int
    a: float
    b: float
    c: float
    se_a: float
    se_b: float
    infit: float
    outfit: float
    misfit: bool
    infit_t: float
    outfit_t: float


@dataclass(frozen=True)
class DifRow:
    item_id: str
    reference: str
    focal: str
    n_reference: int
    n_focal: int
    alpha_mh: float
    d_dif: float
    se_d_dif: float
    chi_square: float
    p_value: float
    ets_class: str


@dataclass(frozen=True)
class CalibrationReport:
    model: str
    estimator: str
    priors: dict[str, str]
    standard_errors: str
    n_responses: int
    n_learners: int
    n_items: int
    loglik: float
    n_iter: int
    converged: bool
    population_mean: float
    population_sd: float
    population_se: dict[str, float]
    items: tuple[ItemReport, ...]
    dif: tuple[DifRow, ...]
    cut_scores: tuple[CutScore, ...]

    def to_json(self) -> dict:
        """A JSON-ready dict; NaN becomes null."""
        return _finite(asdict(self))

    def write(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_json(), indent=2, ensure_ascii=False) + "\n",
                              encoding="utf-8")


def _finite(value):
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def locate(sorted_ids: np.ndarray, values) -> np.ndarray:
    """Index of each value in ``sorted_ids``, -1 where absent."""
    values = np.asarray(values)
    index = np.clip(np.searchsorted(sorted_ids, values), 0, len(sorted_ids) - 1)
    return np.where(sorted_ids[index] == values, index, -1)


@dataclass(frozen=True)
class FittedResponses:
    """Responses of fitted learners to fitted items, as codes into the calibrator's arrays."""

    learner: np.ndarray
    item: np.ndarray
    score: np.ndarray
    rows: np.ndarray


def fitted_responses(calibrator: Calibrator, learners, item_ids, scores) -> FittedResponses:
    learner = locate(calibrator.learner_ids_, learners)
    item = locate(calibrator.item_ids_, np.asarray(item_ids).astype(calibrator.item_ids_.dtype))
    keep = (learner >= 0) & (item >= 0)
    keep[keep] = calibrator.status_[item[keep]] != INSUFFICIENT
    rows = np.flatnonzero(keep)
    return FittedResponses(learner[rows], item[rows], np.asarray(scores)[rows].astype(float), rows)


def item_fit(calibrator: Calibrator, responses: FittedResponses) -> ItemFit:
    """Infit/outfit of every item at the learners' EAPs (:mod:`calibration.fit`)."""
    j = responses.item
    answer = moments(calibrator.theta_[responses.learner], calibrator.a_[j], calibrator.thresholds_[j],
                     calibrator.c_[j], calibrator.model == "gpcm")
    return mean_squares(j, responses.score, answer, len(calibrator.item_ids_))


def dif(calibrator: Calibrator, responses: FittedResponses, learner_groups: np.ndarray,
        reference: str | None = None, n_strata: int = DEFAULT_STRATA) -> list[DifRow]:
    """MH DIF of every dichotomous item, each group against ``reference`` (default: the largest group).

    ``learner_groups`` is the group of each learner in ``calibrator.learner_ids_`` ("" = none).
    """
    if calibrator.model == "gpcm":
        return []
    names, counts = np.unique(learner_groups[learner_groups != ""], return_counts=True)
    if names.size < 2:
        return []
    reference = reference if reference is not None else str(names[np.argmax(counts)])
    rows = []
    for focal in (str(n) for n in names if n != reference):
        in_pair = (learner_groups == reference) | (learner_groups == focal)
        stratum = np.zeros(len(learner_groups), dtype=np.int64)
        stratum[in_pair] = strata_of(calibrator.theta_[in_pair], n_strata)
        chosen = in_pair[responses.learner]
        learner = responses.learner[chosen]
        tables = contingency_tables(responses.item[chosen], responses.score[chosen], stratum[learner],
                                    learner_groups[learner] == focal, len(calibrator.item_ids_), n_strata)
        mh = mantel_haenszel(tables)
        for j in np.flatnonzero(calibrator.status_ != INSUFFICIENT):
            rows.append(DifRow(str(calibrator.item_ids_[j]), reference, focal, int(mh.n_reference[j]),
                               int(mh.n_focal[j]), float(mh.alpha[j]), float(mh.d_dif[j]),
                               float(mh.se_d_dif[j]), float(mh.chi_square[j]), float(mh.p_value[j]),
                               str(mh.ets_class[j])))
    return rows


def level_cuts(calibrator: Calibrator, levels: Mapping[str, tuple[str, str]], rng: np.random.Generator
               ) -> list[CutScore]:
    """RP67 cut scores from ``levels``: item_id -> (language, level) (:mod:`calibration.cuts`)."""
    ids = [str(i) for i in calibrator.item_ids_]
    tagged = np.array([i in levels and s != INSUFFICIENT for i, s in zip(ids, calibrator.status_)], dtype=bool)
    if not tagged.any():
        return []
    theta67 = rp_theta(calibrator.a_[tagged], calibrator.thresholds_[tagged], calibrator.c_[tagged],
                       calibrator.model == "gpcm")
    chosen = [ids[j] for j in np.flatnonzero(tagged)]
    languages = np.array([levels[i][0] for i in chosen])
    tags = np.array([levels[i][1] for i in chosen])
    return cut_scores(theta67, tags, languages, rng)


def build_report(calibrator: Calibrator, responses: FittedResponses, fit: ItemFit,
                 dif_rows: list[DifRow], cuts: list[CutScore]) -> CalibrationReport:
    items = tuple(
        ItemReport(str(calibrator.item_ids_[j]), str(calibrator.status_[j]), int(calibrator.n_responses_[j]),
                   float(calibrator.a_[j]), float(calibrator.b_[j]), float(calibrator.c_[j]),
                   float(calibrator.se_a_[j]), float(calibrator.se_b_[j]), float(fit.infit[j]),
                   float(fit.outfit[j]), bool(fit.misfit[j]), float(fit.infit_t[j]), float(fit.outfit_t[j]))
        for j in range(len(calibrator.item_ids_)))
    return CalibrationReport(calibrator.model, calibrator.estimator(), calibrator.prior_description(),
                             calibrator.standard_error_method(), int(calibrator.n_responses_.sum()),
                             len(calibrator.learner_ids_), len(items), float(calibrator.loglik_),
                             int(calibrator.n_iter_), bool(calibrator.converged_), calibrator.population_.mean,
                             calibrator.population_.sd, dict(calibrator.population_se_), items, tuple(dif_rows),
                             tuple(cuts))
