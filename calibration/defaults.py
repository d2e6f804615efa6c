"""Settings shared by the estimator and the command line (no heavy imports: ``b1engine --help`` reads them)."""
from typing import Literal, get_args

#: An item response model the calibrator knows.
Model = Literal["rasch", "2pl", "3pl", "gpcm"]
#: Models the calibrator knows, in the order the command line lists them.
MODELS: tuple[Model, ...] = get_args(Model)
#: Largest number of EM cycles.
DEFAULT_MAX_ITER = 500
#: Convergence: the marginal log-likelihood per response changes by less than this between cycles.
DEFAULT_TOL = 1e-9
#: How the standard errors are computed: XPD per item block, or the full cross-product matrix.
StandardErrors = Literal["blocks", "crossproduct"]
STANDARD_ERRORS: tuple[StandardErrors, ...] = get_args(StandardErrors)
#: The item priors of the command line: the defaults of ``calibration.Priors``, or none (maximum likelihood).
PRIOR_CHOICES = ("default", "none")
#: Recalibrating a live bank (calibration.recalibrate.Rules; chosen by bench/calibration_safety.py):
#: least distinct learners an item needs before its parameters may change,
DEFAULT_MIN_LEARNERS = 50
#: the largest standard error of b (logits) its new parameters may have,
DEFAULT_MAX_SE = 0.3
#: and the family-wise error rate of the test that the answers contradict its current values.
DEFAULT_ALPHA = 0.05
