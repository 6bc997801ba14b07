"""The weekly trend as a PNG, drawn with matplotlib (Agg, no display; imported only when drawing).

Two panels sharing the weeks: exposure per week as bars (top), engagement rate per week as a line
(bottom). Every one of the twelve weeks has its slot, labelled by its Monday in the user's zone; a
week without posts shows "no posts" and breaks the line (a gap, never a line drawn across it).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from psn_core.services.analytics.models import PeriodLine

WIDTH, HEIGHT, DPI = 1000, 520, 100
WEEKS = 12
BAR = "#4c78a8"
LINE = "#e45756"
MUTED = "#6e6e6e"


@dataclass(frozen=True)
class PlottedTrend:
    """What the chart shows, read back from the drawn figure (so tests check the picture, not the input)."""

    mondays: list[date]
    labels: list[str]
    axis_label: str
    exposure: list[float]
    engagement_rate_pct: list[float | None]
    posts: list[int]


def _short(value: float, _position: object = None) -> str:
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if value >= limit:
            return f"{value / limit:.1f}".rstrip("0").rstrip(".") + suffix
    return f"{value:.0f}"


def _slots(weeks: Sequence[PeriodLine], last_monday: date) -> list[tuple[date, PeriodLine | None]]:
    """The WEEKS Mondays up to ``last_monday``, each with its line (None: nothing published)."""
    by_monday = {date.fromisoformat(w.period_start): w for w in weeks}
    first = last_monday - timedelta(weeks=WEEKS - 1)
    return [(m, by_monday.get(m)) for m in (first + timedelta(weeks=i) for i in range(WEEKS))]


def trend_chart(weeks: Sequence[PeriodLine], path: Path, *, title: str, last_monday: date, zone: str) -> PlottedTrend:
    """Draw the twelve weeks up to ``last_monday`` (Mondays in ``zone``) into ``path``; return what was plotted."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

    slots = _slots(weeks, last_monday)
    labels = [f"{m:%b} {m.day}" for m, _ in slots]
    positions = list(range(len(slots)))
    exposure = [float(line.exposure) if line else 0.0 for _, line in slots]
    rates = [
        line.engagement_rate * 100 if line and line.posts and line.engagement_rate is not None else math.nan
        for _, line in slots
    ]
    posts = [line.posts if line else 0 for _, line in slots]

    figure = Figure(figsize=(WIDTH / DPI, HEIGHT / DPI), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    top, bottom = figure.subplots(2, 1, sharex=True, height_ratios=(3, 2))
    figure.suptitle(title, fontsize=14, x=0.01, ha="left")

    bars = top.bar(positions, exposure, width=0.65, color=BAR)
    top.set_ylabel("exposure")
    top.yaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
    top.yaxis.set_major_formatter(FuncFormatter(_short))
    highest = max(exposure)
    top.set_ylim(0, highest * 1.18 if highest > 0 else 10)
    for x, count, height in zip(positions, posts, exposure, strict=True):
        text = f"{count} post{'s' if count != 1 else ''}" if count else "no posts"
        colour = "black" if count else MUTED
        top.annotate(text, (x, height), xytext=(0, 3), textcoords="offset points", ha="center", color=colour)
    if not any(posts):
        top.text(0.5, 0.5, "No measured posts yet.", transform=top.transAxes, ha="center", color=MUTED, fontsize=13)

    (line,) = bottom.plot(positions, rates, color=LINE, linewidth=2.2, marker="o", markersize=5)
    bottom.set_ylabel("engagement rate")
    bottom.yaxis.set_major_formatter(PercentFormatter(decimals=1))
    measured = [r for r in rates if not math.isnan(r)]
    low, high = (min(measured), max(measured)) if measured else (0.0, 1.0)
    pad = max((high - low) * 0.2, high * 0.1, 0.05)
    bottom.set_ylim(max(0.0, low - pad), high + pad)
    bottom.set_xticks(positions, labels, fontsize=9)
    bottom.set_xlabel(f"week starting Monday ({zone})", color=MUTED)
    for axes in (top, bottom):
        axes.grid(axis="y", color="#e1e1e1")
        axes.set_axisbelow(True)
        axes.spines[["top", "right"]].set_visible(False)
        axes.set_xlim(-0.6, len(slots) - 0.4)

    figure.savefig(path, format="png", dpi=DPI)
    drawn = [float(y) for y in line.get_ydata()]
    return PlottedTrend(
        mondays=[m for m, _ in slots],
        labels=[tick.get_text() for tick in bottom.get_xticklabels()],
        axis_label=bottom.get_xlabel(),
        exposure=[float(rect.get_height()) for rect in bars],
        engagement_rate_pct=[None if math.isnan(y) else y for y in drawn],
        posts=posts,
    )
