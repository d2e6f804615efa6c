"""CEFR levels on the theta scale: cut scores, theta -> level, level probabilities.

The cut scores are the one place the default CEFR scale is defined; they can be
overridden per language and skill. The level of :math:`\\theta` is the band
between consecutive cuts: below the first cut is A1, above the last B2.
"""
from __future__ import annotations

#: The levels the engine reports, lowest first.
LEVELS = ("A1", "A2", "B1", "B2")
#: Default cut scores between A1|A2, A2|B1 and B1|B2 on the logit scale.
DEFAULT_CUTS = (-1.0, 0.0, 1.0)
