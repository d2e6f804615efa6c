"""Settings shared by the estimator and the command line (no heavy imports: ``b1engine --help`` reads them)."""

#: Models the calibrator knows.
MODELS = ("rasch", "2pl", "3pl", "gpcm")
#: Largest number of EM cycles.
DEFAULT_MAX_ITER = 500
#: Convergence: the marginal log-likelihood per response changes by less than this between cycles.
DEFAULT_TOL = 1e-9
