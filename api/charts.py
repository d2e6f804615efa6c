"""Every chart of the app, described once and drawn once, on the server (presentation: the
services compute the values, this module says what a chart shows and draws it).

Two steps, one home each:

- the specification (:class:`ChartSpec`, frozen dataclasses): what a chart shows — the
  panels (one per learner: the name, the level now in words, what the learner was told and
  today's re-estimate with their 90% bands, the idle stretch of an inactive learner), the
  CEFR bands in words, the B1 goal, the title, a description naming the levels and a data
  table for screen readers. Built by :func:`curves_spec` from the services'
  :class:`~api.services.curves.ClassChart` (a class's curves, or one learner's: a class of
  one).
- the renderer (:func:`draw`, :func:`svg`): matplotlib, on a :class:`~matplotlib.figure.Figure`
  directly (no process-wide backend), every text measured and fitted inside the figure at any
  width (titles and the key's labels wrap, names and notes shorten at a word), text kept as text
  (``svg.fonttype: none``: searchable, sharp on a projector, shaped by the browser in any script,
  a few kB), ids salted with a constant so the same chart is the same bytes.

The pages show these SVGs inline (``GET .../ability-chart`` of a class or a learner: the SVG
with its title, description and table as JSON) and downloads get them as files (``.svg``):
one drawing, so the pages, the download and the printed report never disagree. matplotlib is
imported with this module when the app is created, and :func:`warm` draws a chart once at
start-up (fonts, text layout) so the first teacher does not wait for it.
"""
from __future__ import annotations

import bisect
import io
import math
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import matplotlib
from babel import Locale
from babel.dates import format_skeleton
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.legend import Legend
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from api.schemas import ChartOut, ChartTable
from api.services import interface
from api.services.curves import ClassChart, LearnerLine

#: Fonts for the scripts matplotlib's own (DejaVu Sans) lacks: Ge'ez (Tigrinya), Noto Sans
#: Ethiopic (SIL Open Font License, api/fonts/OFL.txt). Text is measured with them, letter by
#: letter where DejaVu has no glyph, and the SVG names them after DejaVu for the browser.
FONTS_DIR = Path(__file__).resolve().parent / "fonts"
FALLBACK_FONTS = ("Noto Sans Ethiopic",)
for _font in sorted(FONTS_DIR.glob("*.ttf")):
    font_manager.fontManager.addfont(str(_font))

# Set once, not per drawing (an rc_context in a request would race with another thread's): text
# stays text, and the SVG's ids are salted with a constant, so the same chart is the same bytes.
matplotlib.rcParams["svg.fonttype"] = "none"
matplotlib.rcParams["svg.hashsalt"] = "b1engine"
matplotlib.rcParams["font.family"] = ["DejaVu Sans", *FALLBACK_FONTS]

#: Drawings kept (about 250 kB each for a class of 30).
CACHED_CHARTS = 32
#: Drawing units: matplotlib works in inches; a chart is laid out in CSS pixels at this density.
DPI = 100
#: The width a chart is drawn at unless the page says its own (a projector's).
DEFAULT_WIDTH = 1280
MIN_WIDTH, MAX_WIDTH = 320, 2560
#: A class's panels are at least this wide (px): 5 across a projector, 1 on a 360-px phone.
PANEL_MIN_WIDTH = 240
PANEL_HEIGHT = 200
#: One learner's chart: height for its width, within these bounds (px).
SINGLE_HEIGHT = (230, 380)
#: z of the 90% band: a normal estimate's 5% and 95% quantiles (the roster's ``INTERVAL_Z``).
BAND_Z = 1.645
#: Logits shown beyond the lowest and the highest cut.
THETA_MARGIN = 1.0
GOAL_LEVEL = "B1"
#: Colours: the told line (the estimate as reported), today's re-estimate, the 90% band, the
#: goal, the idle stretch; alternating light bands behind the levels. Text on the bands keeps a
#: contrast above 7:1.
TOLD, RE_ESTIMATE, GOAL, IDLE, FOLLOW_UP, POSITIVE, INK = (
    "#0b5cad", "#6a3d9a", "#17663a", "#8a8a8a", "#a4262c", "#17663a", "#1a1a1a")
BAND_COLOURS = ("#f4f4ef", "#e7e7df")
#: CSS px of 1rem at the browser's default 100%, what the type sizes below are chosen for: a page
#: shows a chart at the width it asked for, and the report asks in these units (its chart grows
#: with a projector's larger type).
REM_PX = 16
#: Type sizes (pt; at :data:`DPI`, 1 pt = 100/72 px). The smallest, 11 pt, is 15.3 px: 90% of
#: the pages' 17-px body text (app.css), still above 80% where a phone shows a chart narrower than
#: :data:`MIN_WIDTH` (a 294-px box: 14 px) and on the report printed on A4 (14 px beside 15.6).
FONT = {"title": 14, "name": 11, "note": 11, "tick": 11, "key": 11}  # a name is bold
#: Space (px) between the figure's edge and its title, key and message.
EDGE = 8
#: Lines a title, a key's label and the empty chart's message wrap to; the last one ends with
#: an ellipsis when the text is longer still (the whole title is the SVG's <title>).
TITLE_LINES, KEY_LINES, MESSAGE_LINES = 2, 2, 3
ELLIPSIS = "…"


@dataclass(frozen=True)
class Band:
    """One CEFR level's stretch of the ability scale (drawn, never labelled in θ)."""

    level: str
    low: float
    high: float


@dataclass(frozen=True)
class Series:
    """One line and its 90% band, one point per day."""

    times: tuple[datetime, ...]
    theta: tuple[float, ...]
    low: tuple[float, ...]
    high: tuple[float, ...]


@dataclass(frozen=True)
class Panel:
    """One learner's small chart."""

    name: str
    #: What the panel says under the name, longest first: the first that fits is drawn (the
    #: shorter ones keep the date where the longer would lose it to an ellipsis).
    notes: tuple[str, ...]
    told: Series | None
    re_estimate: Series | None
    #: The last answer of a learner flagged inactive: shaded from there to now.
    idle_from: datetime | None
    tone: str | None  # "follow_up", "positive" or None: the name's colour


@dataclass(frozen=True)
class ChartWords:
    """A chart's words in one interface language: the ``chart_*`` texts of ``api/i18n`` (each
    missing one in English), and the dates in that language's short form."""

    language: str
    texts: Mapping[str, str]

    def __call__(self, key: str, **values: object) -> str:
        return self.texts[key].format(**values)

    @property
    def date_locale(self) -> str:
        """The locale the language's dates are written in (its ``date_locale`` text, as the pages')."""
        return self.texts["date_locale"]

    def day(self, moment: datetime | None) -> str:
        return self("chart_never") if moment is None else short_date(moment, self.date_locale)


def short_date(moment: datetime, locale: str) -> str:
    """A day and its month as ``locale`` (BCP 47, "en-GB") writes them briefly: "14 Nov",
    "14 nov.", "14 лист.", "14 نوفمبر", "نومبر 14" (fa-AF), "Nof 14", "14 ሕዳ": CLDR's ``MMMd``
    skeleton through Babel, in the locale's order. Gregorian, in Western digits like every
    number on the charts."""
    # Babel reads language, script and region; a BCP 47 extension (-u-nu-latn: the digits the
    # pages' dates use) is the browser's, and Babel writes Western digits anyway.
    return format_skeleton("MMMd", moment, locale=Locale.parse(locale.split("-u-")[0], sep="-"))


def words_for(code: str | None) -> ChartWords:
    """The chart words of the interface language ``code`` (English for anything not offered)."""
    chosen = interface.interface(code)
    return ChartWords(chosen.language, chosen.texts)


@dataclass(frozen=True)
class ChartSpec:
    """A whole chart: what :func:`svg` draws and what the page says beside it."""

    key: str  # prefix of the SVG's ids
    title: str
    description: str
    bands: tuple[Band, ...]
    goal: float | None
    start: datetime
    end: datetime
    panels: tuple[Panel, ...]
    panel_titles: bool  # False for one learner's chart: the chart's title names them
    empty: str  # drawn when there is no panel
    width: int
    table_columns: tuple[str, ...]
    table_rows: tuple[tuple[str, ...], ...]
    #: The key's words: told, re-estimate, band, goal, idle (the goal's also beside its line).
    key_labels: tuple[str, str, str, str, str] = ("", "", "", "", "")
    table_caption: str = ""
    date_locale: str = "en-GB"
    no_answers: str = ""  # a panel without answers says so in its middle


# ---------------------------------------------------------------------------- specification


def _level(theta: float, chart: ClassChart) -> str:
    return chart.levels[bisect.bisect_right(chart.cuts, theta)]


def _series(times: Sequence[datetime], theta: Sequence[float], se: Sequence[float]) -> Series | None:
    if not times:
        return None
    # Older rows may lack an SE: then no band (a zero-width one), never a guessed width.
    spread = [BAND_Z * s for s in se] if len(se) == len(theta) else [0.0] * len(theta)
    return Series(tuple(times), tuple(theta), tuple(t - s for t, s in zip(theta, spread)),
                  tuple(t + s for t, s in zip(theta, spread)))


def _now_estimate(line: LearnerLine) -> tuple[float, float] | None:
    """The latest estimate (today's re-estimate, else the last told) and its SE."""
    if line.re_theta:
        return line.re_theta[-1], line.re_se[-1] if line.re_se else 0.0
    if line.theta:
        return line.theta[-1], line.se[-1] if line.se else 0.0
    return None


def _order(line: LearnerLine, chart: ClassChart) -> tuple[int, float, str]:
    # Follow-ups first (most urgent first), then the good news, then the rest; lowest level first.
    rank = line.alert_rank if line.alert_rank is not None and line.alert != "fast" else 10_000
    rank = 20_000 if line.alert is None else rank + (10_000 if line.alert == "fast" else 0)
    estimate = _now_estimate(line)
    return rank, estimate[0] if estimate else -math.inf, (line.name or line.username).casefold()


def curves_spec(chart: ClassChart, width: int = DEFAULT_WIDTH, key: str = "chart",
                single: bool = False, skills: bool = False, words: ChartWords | None = None) -> ChartSpec:
    """The chart of ``chart``'s curves drawn ``width`` px wide: small multiples of a class, one
    panel per learner sorted by alert then level (``single``: one learner's chart, their name in
    the title; ``skills``: one learner's skills, a panel per skill in the chart's order, the
    lines named by skill), in ``words``' language (English by default)."""
    say = words or words_for(None)
    lines = list(chart.lines) if skills else sorted(chart.lines, key=lambda line: _order(line, chart))
    edges = [chart.cuts[0] - THETA_MARGIN, *chart.cuts, chart.cuts[-1] + THETA_MARGIN] if chart.cuts else []
    bands = tuple(Band(level, edges[i], edges[i + 1]) for i, level in enumerate(chart.levels)) if edges else ()
    goal = chart.cuts[chart.levels.index(GOAL_LEVEL) - 1] if GOAL_LEVEL in chart.levels[1:] else None
    now = chart.now or max((t for line in lines for t in (*line.times, *line.re_times)), default=datetime.min)
    if chart.now is not None:  # the next full hour: the same chart (and drawing) for an hour
        now = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    times = [t for line in lines for t in (*line.times, *line.re_times)]
    start = min(times, default=now - timedelta(days=7))
    if (now - start) < timedelta(days=7):
        start = now - timedelta(days=7)  # a first week: days, not hours, along the axis
    panels, rows = [], []
    no_answers = say("chart_no_answers")

    def alert_words(alert: str) -> str:
        return say.texts.get(f"teach_kind_{alert}", alert)

    for line in lines:
        name = say(f"skill_{line.username}") if skills else line.name or line.username
        estimate = _now_estimate(line)
        level = _level(estimate[0], chart) if estimate else None
        note_parts = [say("chart_level_now", level=level) if level and not line.alert else level or no_answers]
        if line.alert:
            note_parts.insert(0, alert_words(line.alert))
        # With "last answer 28 Nov", or "last 28 Nov", or no date where neither fits (the table has
        # it); a flagged learner's note has the alert to say too, so never the long form.
        forms = (() if not line.last_active else ("chart_last",) if line.alert
                 else ("chart_last_answer", "chart_last"))
        notes = [*(" · ".join([*note_parts, say(form, date=say.day(line.last_active))]) for form in forms),
                 " · ".join(note_parts)]
        tone = None if line.alert is None else "positive" if line.alert == "fast" else "follow_up"
        panels.append(Panel(name=name, notes=tuple(notes),
                            told=_series(line.times, line.theta, line.se),
                            re_estimate=_series(line.re_times, line.re_theta, line.re_se),
                            idle_from=line.last_active if line.alert == "inactive" else None, tone=tone))
        if estimate:
            low, high = (_level(estimate[0] - BAND_Z * estimate[1], chart),
                         _level(estimate[0] + BAND_Z * estimate[1], chart))
            likely = low if low == high else say("chart_range", low=low, high=high)
        else:
            likely = ""
        told_level = _level(line.theta[-1], chart) if line.theta else ""
        rows.append((name, level or no_answers, likely, told_level, say.day(line.last_active),
                     alert_words(line.alert) if line.alert else ""))
    levels = ", ".join(chart.levels)
    named = {"name": chart.class_name, "levels": levels, "goal": GOAL_LEVEL}
    if skills:
        title = say("chart_title_skills", name=chart.class_name)
        description = say("chart_description_skills", skills=", ".join(p.name for p in panels), **named)
    elif single:
        title = say("chart_title_learner", name=chart.class_name)
        description = say("chart_description_learner", **named)
    else:
        title = say("chart_title_class", name=chart.class_name)
        description = say("chart_description_class", count=len(panels), **named)
    return ChartSpec(key=key, title=title, description=description, bands=bands, goal=goal, start=start,
                     end=now, panels=tuple(panels), panel_titles=not single or skills,
                     empty=say("chart_no_learners") if not (single or skills) else no_answers,
                     width=max(MIN_WIDTH, min(width, MAX_WIDTH)),
                     key_labels=(say("chart_key_told"), say("chart_key_re_estimate"), say("chart_key_band"),
                                 say("chart_key_goal", level=GOAL_LEVEL), say("chart_key_idle")),
                     table_caption=say("chart_table"), date_locale=say.date_locale, no_answers=no_answers,
                     table_columns=(say("chart_column_skill") if skills else say("chart_column_learner"),
                                    say("chart_column_level"), say("chart_column_range"),
                                    say("chart_column_reported"), say("chart_column_last"),
                                    say("chart_column_follow_up")),
                     table_rows=tuple(rows))


# ---------------------------------------------------------------------------- renderer


#: Invisible characters a text needs: zero-width non-joiner and joiner (Dari and Persian write
#: خط‌چین with one), left-to-right and right-to-left marks (a level code inside Arabic).
KEPT_INVISIBLE = frozenset("\u200c\u200d\u200e\u200f")


def _printable(text: str) -> str:
    """Control characters dropped (XML has no place for most of them), and the other invisible
    ones but :data:`KEPT_INVISIBLE` (a name's bidi override could make it read as another).
    Spaces are kept, the no-break ones too (``str.isprintable`` says no to them): French puts
    one before a colon or a percent sign, and it must neither vanish nor break a line."""
    return "".join(ch for ch in text if ch.isprintable() or ch in KEPT_INVISIBLE or unicodedata.category(ch) == "Zs")


#: Where a line may break: white space, but for the no-break spaces (U+00A0, U+2007, U+202F).
BREAKABLE = re.compile(r"[^\S\u00a0\u2007\u202f]+")


def _split(text: str) -> list[str]:
    """``text``'s words, split where a line may break (``str.split`` would split at a no-break space)."""
    return [word for word in BREAKABLE.split(text) if word]


def _literal(text: str) -> str:
    """``text`` drawn as written: a ``$`` would start matplotlib's math mode (a class named
    ``$\\frac{$`` made the chart fail), so it is escaped; control characters are dropped."""
    return _printable(text).replace("$", r"\$")


def _longest(most: int, fits: Callable[[int], bool]) -> int:
    """The largest ``n`` in 1..``most`` with ``fits(n)``, 0 if none (``fits`` holds for every
    ``n`` below one it holds for: a longer start of a text is never narrower)."""
    low, high = 0, most
    while low < high:
        middle = (low + high + 1) // 2
        low, high = (middle, high) if fits(middle) else (low, middle - 1)
    return low


def _words(words: Sequence[str]) -> str:
    """Words joined as the start of a shortened text: no separator left dangling before the
    ellipsis ("Demo class:…" reads as a cut label, "Demo class…" as a shortened one)."""
    return " ".join(words).rstrip(" :;,·–—-")


class _Ruler:
    """Text widths as matplotlib lays the text out (DejaVu Sans, the SVG's first font and among
    the widest of its fallbacks; Noto Sans Ethiopic for Ge'ez letters), to fit each text into its
    room before it is drawn: an SVG crops whatever crosses its edge."""

    def __init__(self, renderer: Any) -> None:
        self.renderer = renderer

    def width(self, text: str, size: float, bold: bool = False) -> float:
        font = FontProperties(size=size, weight="bold" if bold else "normal")
        return float(self.renderer.get_text_width_height_descent(_printable(text), font, ismath=False)[0])

    def height(self, size: float, bold: bool = False) -> float:
        """A line's height (px), its accents and descenders included."""
        font = FontProperties(size=size, weight="bold" if bold else "normal")
        return float(self.renderer.get_text_width_height_descent("Ágy", font, ismath=False)[1])

    def fit(self, text: str, room: float, size: float, bold: bool = False) -> str:
        """``text`` if it fits in ``room`` px, else its longest start that fits with an ellipsis:
        cut between words, inside the first word only when even that one is too wide."""
        if self.width(text, size, bold) <= room:
            return text
        words = _split(text)

        def whole(n: int) -> bool:
            return self.width(_words(words[:n]) + ELLIPSIS, size, bold) <= room

        def letters(n: int) -> bool:
            return self.width(text[:n].rstrip() + ELLIPSIS, size, bold) <= room

        if kept := _longest(len(words) - 1, whole):
            return _words(words[:kept]) + ELLIPSIS
        return text[:_longest(len(text) - 1, letters)].rstrip() + ELLIPSIS

    def wrap(self, text: str, room: float, size: float, bold: bool = False, lines: int = 2) -> list[str]:
        """``text`` in at most ``lines`` lines of ``room`` px, broken between words (inside a word
        wider than a line), the last line :meth:`fit` to the room."""
        done: list[str] = []
        rest = _split(text)

        def fits(n: int) -> bool:
            return self.width(" ".join(rest[:n]), size, bold) <= room

        def letters(n: int) -> bool:
            return self.width(rest[0][:n], size, bold) <= room

        while len(done) < lines - 1 and rest and not fits(len(rest)):
            if kept := _longest(len(rest), fits):
                done.append(" ".join(rest[:kept]))
                rest = rest[kept:]
            else:  # a word wider than a line on its own: broken where the line ends
                cut = max(1, _longest(len(rest[0]) - 1, letters))
                done.append(rest[0][:cut])
                rest = [rest[0][cut:], *rest[1:]]
        return [*done, self.fit(" ".join(rest), room, size, bold)]

    def lines(self, text: str, room: float, size: float, bold: bool = False, lines: int = 2) -> str:
        """:meth:`wrap`'s lines as one text to draw."""
        return "\n".join(_literal(line) for line in self.wrap(text, room, size, bold, lines))


def _key_handles(spec: ChartSpec) -> list[Any]:
    """What the key explains: only what the chart draws (a skills chart has no line "as told",
    a class with no inactive learner no grey). The labels are the words as written (:func:`_key`
    fits them)."""
    handles: list[Any] = []
    told, re_estimate, band, goal, idle = spec.key_labels
    if not spec.panels or any(panel.told is not None for panel in spec.panels):
        handles.append(Line2D([], [], color=TOLD, linewidth=2.5, marker="o", markersize=4, label=told))
    handles += [Line2D([], [], color=RE_ESTIMATE, linewidth=1.6, linestyle="--", label=re_estimate),
                Patch(facecolor=TOLD, alpha=0.18, label=band)]
    if spec.goal is not None:
        handles.append(Line2D([], [], color=GOAL, linewidth=1.6, linestyle=(0, (4, 3)), label=goal))
    if any(panel.idle_from is not None for panel in spec.panels):
        handles.append(Patch(facecolor=IDLE, alpha=0.35, label=idle))
    return handles


#: A key's column is at least this wide (px): 5 across a projector, 1 on a phone.
KEY_COLUMN_MIN = 250
#: The key's spacing, in its font size (matplotlib's legend parameters).
KEY_SPACING = {"handlelength": 2.4, "handletextpad": 0.8, "columnspacing": 1.2, "borderpad": 0.4}


def _key(figure: Figure, spec: ChartSpec, ruler: _Ruler) -> Legend:
    """The key under the title, in its own strip (never over the data); when its labels do not
    fit in one line each, each is wrapped to an equal share of the width. :func:`draw` places it
    once the title's height is known."""
    handles = _key_handles(spec)
    words = [handle.get_label() for handle in handles]
    columns = max(1, min(len(handles), spec.width // KEY_COLUMN_MIN))
    for handle in handles:
        handle.set_label(_literal(handle.get_label()))
    legend = figure.legend(handles=handles, loc="upper left", ncols=columns, frameon=False, fontsize=FONT["key"],
                           bbox_to_anchor=(EDGE / spec.width, 1), borderaxespad=0, **KEY_SPACING)
    legend.set_gid(f"{spec.key}-key")
    if legend.get_window_extent(ruler.renderer).width > spec.width - 2 * EDGE:
        em = FONT["key"] * DPI / 72
        room = ((spec.width - 2 * EDGE - (2 * KEY_SPACING["borderpad"] + (columns - 1) * KEY_SPACING["columnspacing"]) * em)
                / columns - (KEY_SPACING["handlelength"] + KEY_SPACING["handletextpad"]) * em)
        for text, label in zip(legend.get_texts(), words):
            text.set_text(ruler.lines(label, room, FONT["key"], lines=KEY_LINES))
    return legend


def _panel(axes, spec: ChartSpec, panel: Panel, compact: bool, ruler: _Ruler) -> None:
    lower, upper = spec.bands[0].low, spec.bands[-1].high
    for index, band in enumerate(spec.bands):
        axes.axhspan(band.low, band.high, color=BAND_COLOURS[index % 2], zorder=0, linewidth=0)
    if spec.goal is not None:
        axes.axhline(spec.goal, color=GOAL, linewidth=1.4, linestyle=(0, (4, 3)), zorder=1)
        if not compact:
            axes.text(0.995, spec.goal, f" {_literal(spec.key_labels[3])}", transform=axes.get_yaxis_transform(), ha="right",
                      va="bottom", fontsize=FONT["tick"], color=GOAL)
    if panel.idle_from is not None:
        axes.axvspan(panel.idle_from, spec.end, color=IDLE, alpha=0.35, zorder=1, linewidth=0)

    def clip(values: Sequence[float]) -> list[float]:
        return [min(max(v, lower), upper) for v in values]

    # One band, around what the learner was told (around the re-estimate when nothing was
    # reported): two overlapping bands muddy a small panel.
    banded = panel.told or panel.re_estimate
    if banded is not None:
        axes.fill_between(banded.times, clip(banded.low), clip(banded.high), color=TOLD, alpha=0.16,
                          linewidth=0, zorder=2)
    for series, colour, style, width, marker in ((panel.re_estimate, RE_ESTIMATE, "--", 1.6, None),
                                                 (panel.told, TOLD, "-", 2.5, "o")):
        if series is None:
            continue
        # Not clipped by the axes: the values are within them already, and a point on the edge
        # (a level below the lowest band's, drawn on the axis) is then whole, not half a dot.
        axes.plot(series.times, clip(series.theta), color=colour, linestyle=style, linewidth=width,
                  marker=marker, markersize=3.5 if compact else 5, zorder=3, clip_on=False)
    if panel.told is None and panel.re_estimate is None:
        room = axes.get_window_extent(ruler.renderer).width - 2 * EDGE
        axes.text(0.5, 0.5, ruler.lines(spec.no_answers, room, FONT["note"]), transform=axes.transAxes,
                  ha="center", va="center", fontsize=FONT["note"], color=INK,
                  bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85, "pad": 2})
    axes.set_ylim(lower, upper)
    axes.set_xlim(spec.start, spec.end)
    axes.set_yticks([(band.low + band.high) / 2 for band in spec.bands], [band.level for band in spec.bands])
    # Evenly spaced whole days (a date locator mixes month starts with days and crowds them).
    ticks = 3 if compact or spec.width < 560 else 5
    span = (spec.end - spec.start) / (ticks - 1)
    moments = [spec.start + k * span for k in range(ticks)]
    axes.set_xticks(moments, [short_date(m, spec.date_locale) for m in moments])
    # The first and last dates inside the panel, never cut by its edge or a neighbour's.
    labels = axes.get_xticklabels()
    labels[0].set_horizontalalignment("left")
    labels[-1].set_horizontalalignment("right")
    axes.tick_params(labelsize=FONT["tick"], length=2, pad=2, colors=INK)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)


def draw(spec: ChartSpec) -> Figure:
    """``spec`` laid out on a figure ``spec.width`` px wide, every text fitted inside it (the
    title and the key's labels wrapped, names and notes shortened; the whole words are in the
    SVG's title and description and in the page's table)."""
    count = len(spec.panels)
    single = not spec.panel_titles
    columns = 1 if single else max(1, min(count or 1, spec.width // PANEL_MIN_WIDTH))
    rows = max(1, math.ceil(count / columns))
    cell_w = spec.width / columns
    if single:
        cell_h = max(SINGLE_HEIGHT[0], min(SINGLE_HEIGHT[1], spec.width * 0.45))
    else:
        cell_h = PANEL_HEIGHT
    # The height follows from the title's and the key's lines: measured first, placed after.
    figure = Figure(figsize=(spec.width / DPI, rows * cell_h / DPI), dpi=DPI)
    ruler = _Ruler(FigureCanvasAgg(figure).get_renderer())
    room = spec.width - 2 * EDGE
    title = figure.text(EDGE / spec.width, 1, ruler.lines(spec.title, room, FONT["title"], bold=True, lines=TITLE_LINES),
                        ha="left", va="top", fontsize=FONT["title"], fontweight="bold", color=INK)
    key = _key(figure, spec, ruler)
    title_h = title.get_window_extent(ruler.renderer).height
    key_top = EDGE + title_h + 6
    header = key_top + key.get_window_extent(ruler.renderer).height + 6
    height = header + rows * cell_h + 6
    figure.set_size_inches(spec.width / DPI, height / DPI)
    title.set_y(1 - EDGE / height)
    key.set_bbox_to_anchor((EDGE / spec.width, 1 - key_top / height), transform=figure.transFigure)
    # Margins inside a panel (px): the level words left, the name and its note above, dates below.
    note_at, name_at = 4, 4 + ruler.height(FONT["note"]) + 3
    left, right, bottom = 34, 12, ruler.height(FONT["tick"]) + 6  # the dates: a tick's length and pad, then the text
    top = name_at + ruler.height(FONT["name"], bold=True) + 4 if not single else 10
    if not spec.panels or not spec.bands:
        figure.text(0.5, (height - header) / 2 / height, ruler.lines(spec.empty, room, FONT["title"], lines=MESSAGE_LINES),
                    ha="center", va="center", fontsize=FONT["title"], color=INK)
    for index, panel in enumerate(spec.panels):
        row, column = divmod(index, columns)
        x0 = column * cell_w + left
        y0 = height - header - (row + 1) * cell_h + bottom
        axes = figure.add_axes((x0 / spec.width, y0 / height, (cell_w - left - right) / spec.width,
                                (cell_h - top - bottom) / height))
        axes.set_gid(f"{spec.key}-panel-{index + 1}")
        _panel(axes, spec, panel, not single, ruler)
        if spec.panel_titles:
            tone = {"follow_up": FOLLOW_UP, "positive": POSITIVE}.get(panel.tone or "", INK)
            # To the panel's edge (the next panel's level words are lower down).
            name_room = cell_w - left - EDGE / 2
            above = cell_h - top - bottom  # the axes' height in px: the name and note sit above it
            axes.text(0, 1 + name_at / above, _literal(ruler.fit(panel.name, name_room, FONT["name"], bold=True)),
                      transform=axes.transAxes, ha="left", va="bottom", fontsize=FONT["name"],
                      fontweight="bold", color=tone)
            note = next((n for n in panel.notes if ruler.width(n, FONT["note"]) <= name_room), panel.notes[-1])
            axes.text(0, 1 + note_at / above, _literal(ruler.fit(note, name_room, FONT["note"])),
                      transform=axes.transAxes, ha="left", va="bottom", fontsize=FONT["note"], color=tone)
    return figure


@lru_cache(maxsize=CACHED_CHARTS)
def svg(spec: ChartSpec) -> bytes:
    """``spec`` drawn as an SVG document (``role="img"``, its title and description inside).

    Kept for the next request with the same spec (same answers, same hour, same width): a class
    of 25 takes matplotlib a second or two, and a teacher reloads the page more often than the
    class answers."""
    buffer = io.BytesIO()
    draw(spec).savefig(buffer, format="svg", metadata={"Date": None})  # no date: same chart, same bytes
    return _accessible(buffer.getvalue().decode("utf-8"), spec).encode("utf-8")


def _accessible(document: str, spec: ChartSpec) -> str:
    """``role="img"`` with the chart's title and description as its accessible name and
    description, first children of the root (matplotlib writes neither)."""
    start = document.index("<svg")
    end = document.index(">", start)
    ids = f"{spec.key}-title", f"{spec.key}-desc"
    root = (document[start:end] + f' role="img" aria-labelledby={quoteattr(ids[0])}'
            f' aria-describedby={quoteattr(ids[1])}>')
    inner = (f'<title id={quoteattr(ids[0])}>{escape(_printable(spec.title))}</title>'
             f'<desc id={quoteattr(ids[1])}>{escape(_printable(spec.description))}</desc>')
    return document[:start] + root + inner + document[end + 1:]


def class_chart_svg(chart: ClassChart, width: int = DEFAULT_WIDTH) -> bytes:
    """A class's curves as small multiples (the download, and what the class page shows)."""
    return svg(class_spec(chart, width))


def class_spec(chart: ClassChart, width: int = DEFAULT_WIDTH, words: ChartWords | None = None) -> ChartSpec:
    return curves_spec(chart, width, key="class-curves", words=words)


def learner_spec(chart: ClassChart, width: int = DEFAULT_WIDTH, words: ChartWords | None = None) -> ChartSpec:
    """One learner's curve: the teacher's learner page, the learner's progress page, the report."""
    return curves_spec(chart, width, key="learner-curve", single=True, words=words)


def skills_spec(chart: ClassChart, width: int = DEFAULT_WIDTH, words: ChartWords | None = None) -> ChartSpec:
    """One learner's level per skill (:func:`api.services.curves.skills_chart`): the learner's
    progress page and the teacher's learner page."""
    return curves_spec(chart, width, key="skill-curves", skills=True, words=words)


def chart_out(spec: ChartSpec) -> ChartOut:
    """``spec`` as a page shows it: its SVG with its title, description and table."""
    return ChartOut(title=_printable(spec.title), description=_printable(spec.description),
                    svg=svg(spec).decode("utf-8"),
                    table=ChartTable(caption=spec.table_caption, columns=list(spec.table_columns),
                                     rows=[list(r) for r in spec.table_rows]))


def warm() -> None:
    """Draw one small chart: loads the fonts and the text layout before the first request."""
    class_chart_svg(ClassChart("warm-up", (-1.0, 0.0, 1.0), ("A1", "A2", "B1", "B2"), (), datetime(2026, 1, 1)),
                    width=MIN_WIDTH)
