"""Charts drawn for pages and downloads (presentation: services compute, this draws).

matplotlib draws on a :class:`~matplotlib.figure.Figure` directly, so no backend
is chosen (no process-wide ``matplotlib.use`` in a request); it is imported
with this module, when the app is created, not in a worker's first request.
"""
from __future__ import annotations

import io

import matplotlib
import matplotlib.dates as mdates
from matplotlib.figure import Figure

from api.services.curves import ClassChart

#: Chart size in inches at 100 dpi: 1280 x 720, the shape of a projector.
FIGURE_SIZE = (12.8, 7.2)
FONT_SIZE = 16
BAND_COLOURS = ("#fde0dd", "#fff7bc", "#e5f5e0", "#deebf7")
#: Theta range shown around the cut scores.
THETA_MARGIN = 1.5
#: What the two kinds of line are, under the chart.
RE_ESTIMATE_NOTE = ("solid: the levels as they were reported to the learner;  "
                    "dashed: re-estimated today from all the answers (it can move)")


def _literal(text: str) -> str:
    """``text`` drawn as written: a ``$`` would start matplotlib's math mode (a class named
    ``$\\frac{$`` made the chart fail), so it is escaped; control characters are dropped."""
    return "".join(ch for ch in text if ch.isprintable()).replace("$", r"\$")


def class_chart_svg(chart: ClassChart) -> bytes:
    """Overall ability of each learner over time, on CEFR bands, as SVG."""
    lower, upper = chart.cuts[0] - THETA_MARGIN, chart.cuts[-1] + THETA_MARGIN
    figure = Figure(figsize=FIGURE_SIZE)
    axes = figure.add_subplot()
    edges = [lower, *chart.cuts, upper]
    for index, level in enumerate(chart.levels):
        axes.axhspan(edges[index], edges[index + 1], color=BAND_COLOURS[index % len(BAND_COLOURS)],
                     zorder=0)
        axes.text(1.005, (edges[index] + edges[index + 1]) / 2, level, transform=axes.get_yaxis_transform(),
                  va="center", fontsize=FONT_SIZE + 2, fontweight="bold")
    for line in chart.lines:
        # What the learner was told: solid, with a marker per day. Today's re-estimate (it
        # moves with new answers and parameters): dashed, thin, the same colour, unlabelled.
        told = axes.plot(line.times, [min(max(v, lower), upper) for v in line.theta], linewidth=3,
                         marker="o", markersize=6, label=_literal(line.username))
        if line.re_times:
            axes.plot(line.re_times, [min(max(v, lower), upper) for v in line.re_theta], linewidth=1.5,
                      linestyle="--", color=told[0].get_color(), alpha=0.8)
    if chart.lines:
        axes.legend(fontsize=FONT_SIZE - 2, loc="upper left", framealpha=0.9)
        axes.xaxis.set_major_formatter(mdates.DateFormatter("%d %b"))
        axes.text(0.0, -0.1, RE_ESTIMATE_NOTE, transform=axes.transAxes, fontsize=FONT_SIZE - 4, va="top")
    else:
        axes.text(0.5, 0.5, "no answers yet", transform=axes.transAxes, ha="center",
                  fontsize=FONT_SIZE + 4)
    axes.set_ylim(lower, upper)
    axes.set_ylabel("ability (θ)", fontsize=FONT_SIZE)
    axes.set_title(f"{_literal(chart.class_name)}: ability over time", fontsize=FONT_SIZE + 4)
    axes.tick_params(labelsize=FONT_SIZE - 2)
    axes.grid(alpha=0.3)
    figure.tight_layout()
    buffer = io.BytesIO()
    # Text stays text (searchable, sharp on any projector) instead of glyph outlines.
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        figure.savefig(buffer, format="svg")
    return buffer.getvalue()
