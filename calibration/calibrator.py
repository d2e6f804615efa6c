"""``Calibrator``: item parameters by marginal maximum likelihood (Bock--Aitkin EM) on sparse logs.

Free calibration fixes the scale by the population: :math:`\\theta \\sim
N(0, 1)` (Rasch: :math:`N(0, \\sigma^2)` with :math:`\\sigma` estimated,
since all slopes are 1). Anchored calibration keeps the parameters of the
items in ``anchors``; they define the scale, and the population mean and SD
are estimated with the new items, so a population that has drifted moves the
population estimate, not the scale (Kim, 2006, "fixed parameter calibration"
with multiple prior weights updating).

The EM runs under SQUAREM (:mod:`calibration.squarem`), which sees it as an
``_EMProblem``: the E-step (:func:`calibration.em.e_step`, which returns the
marginal log-likelihood with the posterior), the M-step (items by
:func:`calibration.em.m_step`, the population by
:func:`calibration.quadrature.update_population`) and the packing of the free
parameters into one vector.
"""
from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from calibration import em
from calibration.data import Indicator, encode, indicator, subset
from calibration.defaults import DEFAULT_MAX_ITER, DEFAULT_TOL, MODELS, STANDARD_ERRORS, Model, StandardErrors
from calibration.parameters import LOG_A_COLUMN, STEP_COLUMN, Layout, Priors, initial_values, log_table, natural
from calibration.quadrature import (
    DEFAULT_HALF_WIDTH,
    DEFAULT_POINTS,
    Population,
    grid,
    normal_log_weights,
    update_population,
)
from calibration.squarem import MIN_STEP_LENGTH, Progress, squarem

__all__ = ["ANCHORED", "CALIBRATED", "INSUFFICIENT", "MIN_STEP_LENGTH", "Calibrator", "Progress", "State",
           "print_progress", "squarem"]

#: Item statuses reported by the calibrator.
ANCHORED, CALIBRATED, INSUFFICIENT = "anchored", "calibrated", "insufficient_data"

#: The EM's state: working item parameters ``psi`` (m, P) and the population.
State = tuple[np.ndarray, Population]


def print_progress(iteration: int, loglik: float) -> None:
    """The progress line ``verbose`` prints on stderr after every E-step."""
    print(f"calibrate: iteration {iteration}, log-likelihood {loglik:.4f}", file=sys.stderr)


@dataclass(frozen=True)
class _EMProblem:
    """One calibration's MML-EM as :func:`calibration.squarem.squarem` runs it (an ``EMProblem``).

    States are ``(psi, population)``; only the free entries of ``psi``, the
    population mean and its log SD are packed, the fixed entries come from ``start``.
    """

    x: Indicator
    nodes: np.ndarray
    layout: Layout
    c_fixed: np.ndarray
    free: np.ndarray
    priors: Priors
    estimate_mean: bool
    estimate_sd: bool
    start: np.ndarray

    def expectation(self, state: State) -> em.EStep:
        psi, population = state
        return em.e_step(self.x, log_table(psi, self.layout, self.c_fixed, self.nodes),
                         normal_log_weights(self.nodes, population.mean, population.sd))

    def maximisation(self, state: State, step: em.EStep) -> State:
        psi, population = state
        population = update_population(self.nodes, step.posterior.sum(axis=0), self.estimate_mean,
                                       self.estimate_sd, population)
        return em.m_step(psi, self.free, self.layout, self.c_fixed, self.nodes, step.counts, self.priors), population

    def pack(self, state: State) -> np.ndarray:
        psi, population = state
        return np.concatenate([psi[self.free], [population.mean, np.log(population.sd)]])

    def unpack(self, vector: np.ndarray) -> State:
        psi = self.start.copy()
        psi[self.free] = vector[:-2]
        return psi, Population(float(vector[-2]), float(np.exp(vector[-1])))


class Calibrator:
    """Item calibration by MML-EM on long-format responses.

    Parameters
    ----------
    model : {"2pl", "rasch", "3pl", "gpcm"}
    anchors : mapping item_id -> (a, b) or (a, b, c), optional
        Items whose parameters are kept; they fix the scale. In GPCM mode an
        anchor is a one-step item (``c`` must be 0).
    priors : Priors, optional
        Lognormal ``a``, normal ``b``/steps, Beta ``c``; see
        :mod:`calibration.parameters`. The estimates are posterior modes
        (Bayes modal); ``Priors.none()`` gives marginal maximum likelihood.
    quadrature_points, quadrature_half_width : int, float
        The fixed grid of :mod:`calibration.quadrature`.
    max_iter : int
        Largest number of E-steps (EM is accelerated by SQUAREM; see
        :func:`calibration.squarem.squarem`).
    tol : float
        Stop when one plain EM step changes the marginal log-likelihood by
        less than ``tol`` per response.
    progress : callable (iteration, loglik) -> None, optional
        Called after every E-step with its number (from 1) and the marginal
        log-likelihood there.
    verbose : bool
        Print the progress line (:func:`print_progress`) on stderr after
        every E-step, after ``progress`` if both are given. The command line
        uses this (off with ``--quiet``); ``progress`` is for programs.
    se : {"blocks", "crossproduct"}
        Standard errors from the cross-product (XPD) information: per item
        block, cross-item covariances ignored (``"blocks"``, the default), or
        the full matrix over every free parameter, items and the estimated
        population, inverted whole (``"crossproduct"``; for short tests, see
        :func:`calibration.em.xpd_full_covariance`).
    guessing : mapping item_id -> c, optional
        A fixed lower asymptote for items that are not anchors (models without
        a ``c`` of their own: 2PL, Rasch), so a choice item with ``k`` options
        keeps :math:`c = 1/k` while its ``a`` and ``b`` are estimated (the 3PL
        with ``c`` known). Items not named have ``c = 0``.
    population : Population, optional
        Hold the ability distribution at this mean and SD instead of
        estimating it (or fixing it at N(0, 1)): the scale is then where this
        population is, with or without anchors. A recalibration holds the
        population as the current parameters measure it
        (:mod:`calibration.recalibrate`).

    Attributes
    ----------
    item_ids_ : ndarray of str, (m,)
        Items in the data, sorted.
    status_ : ndarray of str, (m,)
        ``anchored``, ``calibrated`` or ``insufficient_data`` (answered by
        fewer than 2 learners; not fitted, parameters NaN).
    a_, b_, c_ : ndarray, (m,)
        Parameters (GPCM: ``b_`` is the item location, the mean step).
    thresholds_ : ndarray, (m, K)
        GPCM step difficulties, NaN-padded (dichotomous models: ``b_[:, None]``).
    param_names_ : tuple of str
        Names of the columns of ``se_``: ``a, b[, c]`` or ``a, b1..bK``.
    se_ : ndarray, (m, P)
        Standard error of every parameter (NaN where not estimated), from the
        inverse of the per-item block of the cross-product (XPD) information
        of the marginal likelihood plus the prior's curvature (see
        :mod:`calibration.em`; ``se="crossproduct"``: the item's block of the
        inverse of the full matrix), carried to ``a``/``c`` by the delta method.
    se_a_, se_b_ : ndarray, (m,)
        SE of ``a`` and of ``b`` (GPCM: of the location).
    covariance_ : ndarray, (m, P, P)
    loglik_ : float
        Marginal log-likelihood at the estimates.
    n_iter_ : int
        E-steps taken; ``loglik_history_`` holds the log-likelihood of each.
    converged_ : bool
    n_responses_ : ndarray of int, (m,)
    population_ : Population
        Mean and SD of ability on the scale (estimated when anchored, and the
        SD for Rasch; ``population`` itself when one was given).
    population_se_ : dict of str to float
        With ``se="crossproduct"``, the SEs of the estimated population
        parameters (``mean``, ``sd``); empty otherwise.
    priors_ : Priors
        The priors used (``priors_.enabled`` False: maximum likelihood).
    learner_ids_, theta_, theta_se_ : ndarray, (n,)
        Learners used in the fit, their EAP abilities and posterior SDs.
    nodes_ : ndarray, (Q,)
        The quadrature grid.
    posterior_ : ndarray, (n, Q)
        Each learner's posterior weights on the nodes at the estimates (rows in the order of
        ``learner_ids_``): what a test of one item's values against the fit integrates over.
    """

    def __init__(self, model: Model = "2pl", anchors: Mapping[str, Sequence[float]] | None = None,
                 priors: Priors | None = None, quadrature_points: int = DEFAULT_POINTS,
                 quadrature_half_width: float = DEFAULT_HALF_WIDTH, max_iter: int = DEFAULT_MAX_ITER,
                 tol: float = DEFAULT_TOL, progress: Progress | None = None, verbose: bool = False,
                 se: StandardErrors = "blocks", guessing: Mapping[str, float] | None = None,
                 population: Population | None = None):
        self.model = model
        self.guessing = guessing
        self.population = population
        self.se = se
        self.anchors = anchors
        self.priors = priors
        self.quadrature_points = quadrature_points
        self.quadrature_half_width = quadrature_half_width
        self.max_iter = max_iter
        self.tol = tol
        self.progress = progress
        self.verbose = verbose

    def fit(self, learners, item_ids, scores) -> Calibrator:
        """Fit on responses in long format (one row per response).

        Parameters
        ----------
        learners : array_like, (N,)
            Learner ids (any hashable type numpy can sort).
        item_ids : array_like of str, (N,)
        scores : array_like of int, (N,)
            0/1, or 0..K for GPCM.
        """
        if self.model not in MODELS:
            raise ValueError(f"model must be one of {', '.join(MODELS)}, got {self.model!r}")
        if self.max_iter < 1 or self.tol < 0:
            raise ValueError("max_iter must be >= 1 and tol >= 0")
        if self.se not in STANDARD_ERRORS:
            raise ValueError(f"se must be one of {', '.join(STANDARD_ERRORS)}, got {self.se!r}")
        if self.guessing and self.model not in ("2pl", "rasch"):
            raise ValueError(f"guessing fixes c in the 2pl and rasch models, not in {self.model}")
        if any(not 0.0 <= float(c) < 1.0 for c in (self.guessing or {}).values()):
            raise ValueError("guessing: every c must be in [0, 1)")
        if self.population is not None and not (np.isfinite(self.population.mean) and self.population.sd > 0):
            raise ValueError("population: need a finite mean and sd > 0")
        priors = self.priors or Priors()
        responses = encode(learners, item_ids, scores)
        if self.model != "gpcm" and responses.score.max() > 1:
            raise ValueError(f"scores must be 0 or 1 for the {self.model} model")
        anchors = {str(k): tuple(float(v) for v in value) for k, value in (self.anchors or {}).items()}
        status = np.array([ANCHORED if str(i) in anchors else CALIBRATED for i in responses.item_ids],
                          dtype=object)
        status[~responses.answered_by_several() & (status == CALIBRATED)] = INSUFFICIENT
        usable = subset(responses, status[responses.item] != INSUFFICIENT)
        n_steps = max(int(usable.categories_per_item().max()) - 1, 1) if self.model == "gpcm" else 1
        layout = Layout(self.model, n_steps)
        psi, free, c_fixed = self._start(usable, status, anchors, layout, priors)

        nodes = grid(self.quadrature_points, self.quadrature_half_width)
        anchored = bool(np.any(status == ANCHORED))
        held = self.population is not None
        problem = _EMProblem(indicator(usable, layout.stride), nodes, layout, c_fixed, free, priors,
                             estimate_mean=anchored and not held,
                             estimate_sd=(anchored or self.model == "rasch") and not held, start=psi)
        run = squarem(problem, (psi, self.population or Population()), self.max_iter,
                      self.tol * len(usable.item), progress=self._progress())
        psi, population = run.state

        if self.se == "crossproduct":
            scores = em.population_scores(run.step.posterior, nodes, population.mean, population.sd,
                                          problem.estimate_mean, problem.estimate_sd)
            full = em.xpd_full_covariance(usable, run.step.posterior, psi, free, layout, c_fixed, nodes, priors,
                                          scores)
            covariance = full.blocks
            self.population_se_ = {name: float(np.sqrt(max(full.matrix[k, k], 0.0)))
                                   for name, k in full.population_index.items()}
            if "log_sd" in self.population_se_:  # delta method: d sd = sd d log sd
                self.population_se_["sd"] = population.sd * self.population_se_.pop("log_sd")
        else:
            covariance = em.xpd_covariance(usable, run.step.posterior, psi, free, layout, c_fixed, nodes, priors)
            self.population_se_ = {}
        self.priors_ = priors
        self._layout = layout
        self._store(responses, usable, status, psi, free, c_fixed, layout, covariance, nodes, run.step)
        self.loglik_, self.loglik_history_ = run.loglik_history[-1], np.asarray(run.loglik_history)
        self.n_iter_, self.converged_, self.population_ = len(run.loglik_history), run.converged, population
        return self

    def estimator(self) -> str:
        """What the estimates are: posterior modes under the priors, or maximum likelihood (after ``fit``)."""
        if self.priors_.enabled:
            return ("posterior mode (Bayes modal estimation by marginal maximum likelihood EM with item "
                    "priors; Mislevy, 1986)")
        return "maximum likelihood (marginal maximum likelihood by EM, no item priors; Bock & Aitkin, 1981)"

    def prior_description(self) -> dict[str, str]:
        """The priors on the estimated parameters by name, ``{}`` without priors (after ``fit``)."""
        return self.priors_.describe(self._layout)

    def standard_error_method(self) -> str:
        """How the standard errors were computed."""
        if self.se == "crossproduct":
            return ("full cross-product (XPD) information over every free parameter, inverted whole "
                    "(Mislevy, 1984; Cai, 2008; Paek & Cai, 2014)")
        return ("cross-product (XPD) information per item block, covariances between items ignored "
                "(Mislevy, 1984; Cai, 2008)")

    def _progress(self) -> Progress | None:
        """What to call after every E-step: ``progress``, then :func:`print_progress` if ``verbose``."""
        if not self.verbose:
            return self.progress
        if self.progress is None:
            return print_progress
        callback = self.progress

        def both(iteration: int, loglik: float) -> None:
            callback(iteration, loglik)
            print_progress(iteration, loglik)

        return both

    def _start(self, usable, status, anchors, layout: Layout, priors: Priors):
        """Initial working parameters, the mask of free entries and the fixed ``c`` of each item."""
        m = usable.n_items
        counts = np.bincount(usable.item * layout.stride + usable.score,
                             minlength=m * layout.stride).reshape(m, layout.stride).astype(float)
        psi = initial_values(counts, layout, priors)
        free = np.ones_like(psi, dtype=bool)
        if layout.is_gpcm:
            steps_of_item = np.maximum(usable.categories_per_item() - 1, 1)
            unused = np.arange(layout.n_steps) >= steps_of_item[:, None]
            psi[:, STEP_COLUMN:STEP_COLUMN + layout.n_steps][unused] = np.nan
            free[:, STEP_COLUMN:STEP_COLUMN + layout.n_steps] = ~unused
        if self.model == "rasch":
            psi[:, LOG_A_COLUMN] = 0.0
            free[:, LOG_A_COLUMN] = False
        c_fixed = np.zeros(m)
        if self.guessing:
            c_fixed = np.array([float(self.guessing.get(str(i), 0.0)) for i in usable.item_ids])
        for code in np.flatnonzero(status == ANCHORED):
            psi[code], c_fixed[code] = self._anchor_row(str(usable.item_ids[code]), anchors, layout)
            free[code] = False
        free[status == INSUFFICIENT] = False  # kept at their (finite) start values, reported as NaN
        return psi, free, c_fixed

    @staticmethod
    def _anchor_row(item_id: str, anchors, layout: Layout) -> tuple[np.ndarray, float]:
        values = anchors[item_id]
        if len(values) not in (2, 3):
            raise ValueError(f"anchor {item_id!r} must be (a, b) or (a, b, c)")
        a, b, c = values[0], values[1], values[2] if len(values) == 3 else 0.0
        if a <= 0 or not 0.0 <= c < 1.0:
            raise ValueError(f"anchor {item_id!r}: need a > 0 and 0 <= c < 1")
        if layout.is_gpcm and c > 0:
            raise ValueError(f"anchor {item_id!r}: a GPCM anchor cannot have c > 0")
        row = np.full(layout.width, np.nan)
        row[LOG_A_COLUMN], row[STEP_COLUMN] = np.log(a), b
        if layout.has_c:
            row[layout.c_column] = np.log(c / (1 - c)) if c > 0 else -np.inf
        return row, c

    def _store(self, responses, usable, status, psi, free, c_fixed, layout, covariance, nodes, step):
        missing = status == INSUFFICIENT
        a, steps, c = natural(psi, layout, c_fixed)
        a, c = np.where(missing, np.nan, a), np.where(missing, np.nan, c)
        steps = np.where(missing[:, None], np.nan, steps)
        jacobian = _jacobian(a, c, layout)
        natural_cov = jacobian[:, :, None] * covariance * jacobian[:, None, :]
        variance = np.diagonal(natural_cov, axis1=1, axis2=2)
        se = np.where(free, np.sqrt(np.maximum(variance, 0.0)), np.nan)
        used = ~np.isnan(steps)
        n_used = np.maximum(used.sum(axis=1), 1)
        location = np.where(used.any(axis=1), np.nansum(np.where(used, steps, 0.0), axis=1) / n_used, np.nan)
        weights = np.zeros((len(a), layout.width))
        weights[:, STEP_COLUMN:STEP_COLUMN + layout.n_steps] = used / n_used[:, None]
        location_var = np.einsum("jp,jpr,jr->j", weights, natural_cov, weights)
        step_free = free[:, STEP_COLUMN:STEP_COLUMN + layout.n_steps].any(axis=1)

        self.item_ids_ = responses.item_ids
        self.status_ = status.astype(str)
        self.n_responses_ = responses.counts_per_item()
        self.a_, self.b_, self.c_, self.thresholds_ = a, location, c, steps
        self.param_names_ = layout.names()
        self.covariance_ = natural_cov
        self.se_ = se
        self.se_a_ = se[:, LOG_A_COLUMN]
        self.se_b_ = np.where(step_free, np.sqrt(np.maximum(location_var, 0.0)), np.nan)
        posterior = step.posterior
        self.learner_ids_ = usable.learner_ids
        self.nodes_, self.posterior_ = nodes, posterior
        self.theta_ = posterior @ nodes
        self.theta_se_ = np.sqrt(np.maximum(posterior @ nodes**2 - self.theta_**2, 0.0))


def _jacobian(a: np.ndarray, c: np.ndarray, layout: Layout) -> np.ndarray:
    """d(natural)/d(working) for each parameter column: ``a`` for log a, 1 for steps, ``c(1-c)`` for logit c."""
    jacobian = np.ones((len(a), layout.width))
    jacobian[:, LOG_A_COLUMN] = a
    if layout.has_c:
        jacobian[:, layout.c_column] = c * (1 - c)
    return jacobian
