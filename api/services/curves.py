"""Ability curves of a class: JSON time series and an SVG chart with CEFR bands."""
from __future__ import annotations

import io
from datetime import datetime
from typing import Any

from sqlmodel import Session

from api.models import SchoolClass
from api.services import ability
from api.services import engine_adapter as adapter
from api.services.classes import learners_of

#: Chart size in inches at 100 dpi: 1280 x 720, the shape of a projector.
FIGURE_SIZE = (12.8, 7.2)
FONT_SIZE = 16
BAND_COLOURS = ("#fde0dd", "#fff7bc", "#e5f5e0", "#deebf7")
#: Theta range shown around the cut scores.
THETA_MARGIN = 1.5


def class_curves(db: Session, school_class: SchoolClass, now: datetime) -> dict[str, Any]:
    learners = learners_of(db, school_class)
    by_learner = ability.series(db, [learner.id for learner in learners], school_class.language)
    out_learners = []
    current_levels: dict[str, int] = {level: 0 for level in _levels()}
    thetas = []
    for learner in learners:
        series = by_learner.get(learner.id, {})
        series = {scope: [{**point, "time": point["time"].isoformat()} for point in points]
                  for scope, points in series.items()}
        overall = series.get(ability.OVERALL, [])
        if overall:
            current_levels[overall[-1]["level"]] += 1
            thetas.append(overall[-1]["theta"])
        out_learners.append({"id": learner.id, "username": learner.username, "overall": overall,
                             "skills": {k: v for k, v in sorted(series.items())
                                        if k != ability.OVERALL}})
    summary = {"learners": len(learners), "assessed": len(thetas),
               "mean_theta": sum(thetas) / len(thetas) if thetas else None,
               "levels": current_levels, "generated_at": now.isoformat()}
    return {"class": {"id": school_class.id, "name": school_class.name,
                      "language": school_class.language},
            "cuts": list(adapter.cuts_for(school_class.language)), "levels": list(_levels()),
            "learners": out_learners, "summary": summary}


def _levels() -> tuple[str, ...]:
    return tuple(adapter.LEVELS)


def render_svg(curves: dict[str, Any]) -> bytes:
    """Overall ability of each learner over time, on CEFR bands, as SVG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.dates as mdates
    from matplotlib.figure import Figure

    cuts, levels = curves["cuts"], curves["levels"]
    lower, upper = cuts[0] - THETA_MARGIN, cuts[-1] + THETA_MARGIN
    figure = Figure(figsize=FIGURE_SIZE)
    axes = figure.add_subplot()
    edges = [lower, *cuts, upper]
    for index, level in enumerate(levels):
        axes.axhspan(edges[index], edges[index + 1], color=BAND_COLOURS[index % len(BAND_COLOURS)],
                     zorder=0)
        axes.text(1.005, (edges[index] + edges[index + 1]) / 2, level, transform=axes.get_yaxis_transform(),
                  va="center", fontsize=FONT_SIZE + 2, fontweight="bold")
    plotted = 0
    for learner in curves["learners"]:
        points = learner["overall"]
        if not points:
            continue
        # One point per day (the day's last estimate): answer-by-answer steps clutter a projector.
        daily = {datetime.fromisoformat(p["time"]).date(): p for p in points}
        times = [datetime.fromisoformat(p["time"]) for p in daily.values()]
        theta = [min(max(p["theta"], lower), upper) for p in daily.values()]
        axes.plot(times, theta, linewidth=3, marker="o", markersize=6, label=learner["username"])
        plotted += 1
    if plotted:
        axes.legend(fontsize=FONT_SIZE - 2, loc="upper left", framealpha=0.9)
        axes.xaxis.set_major_formatter(mdates.DateFormatter("%d %b"))
    else:
        axes.text(0.5, 0.5, "no answers yet", transform=axes.transAxes, ha="center",
                  fontsize=FONT_SIZE + 4)
    axes.set_ylim(lower, upper)
    axes.set_ylabel("ability (θ)", fontsize=FONT_SIZE)
    axes.set_title(f"{curves['class']['name']}: ability over time", fontsize=FONT_SIZE + 4)
    axes.tick_params(labelsize=FONT_SIZE - 2)
    axes.grid(alpha=0.3)
    figure.tight_layout()
    buffer = io.BytesIO()
    # Text stays text (searchable, sharp on any projector) instead of glyph outlines.
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        figure.savefig(buffer, format="svg")
    return buffer.getvalue()
