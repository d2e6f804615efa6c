"""Item parameters from response logs: sparse MML-EM, anchored calibration, fit, DIF, CEFR cuts."""
from calibration.calibrator import Calibrator
from calibration.parameters import Priors

__all__ = ["Calibrator", "Priors"]
