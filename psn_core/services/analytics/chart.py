"""The weekly trend as a PNG, drawn with Pillow (already a dependency; no plotting library needed).

Bars: exposure per week (left axis). Line: engagement rate per week (right axis). Twelve weeks,
labelled by their Monday, so a person sees at a glance whether reach and engagement are rising.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from psn_core.services.analytics.models import PeriodLine

WIDTH, HEIGHT = 1000, 520
LEFT, RIGHT, TOP, BOTTOM = 90, 90, 70, 90
BAR = (76, 120, 168)
LINE = (228, 87, 86)
GRID = (225, 225, 225)
INK = (40, 40, 40)
MUTED = (110, 110, 110)


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def _short(value: float) -> str:
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if value >= limit:
            return f"{value / limit:.1f}{suffix}"
    return f"{value:.0f}"


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    step = 10 ** (len(str(int(value))) - 1)
    return float((int(value / step) + 1) * step)


def trend_chart(weeks: Sequence[PeriodLine], path: Path, *, title: str) -> Path:
    """Draw exposure bars and the engagement-rate line of ``weeks`` (oldest first) into ``path``."""
    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    draw.text((LEFT, 20), title, fill=INK, font=_font(22))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    x0, y0 = LEFT, TOP + plot_h  # origin, bottom-left
    if not weeks:
        draw.text((LEFT, TOP + plot_h // 2), "No measured posts yet.", fill=MUTED, font=_font(20))
        image.save(path, "PNG", optimize=True)
        return path
    top_exposure = _nice_max(max(w.exposure for w in weeks))
    rates = [w.engagement_rate for w in weeks]
    top_rate = max((r for r in rates if r is not None), default=0.0) or 0.01
    top_rate = _nice_max(top_rate * 10000) / 10000
    small = _font(14)
    for i in range(5):
        y = y0 - plot_h * i / 4
        draw.line([(x0, y), (x0 + plot_w, y)], fill=GRID, width=1)
        draw.text((x0 - 10, y), _short(top_exposure * i / 4), fill=BAR, font=small, anchor="rm")
        draw.text((x0 + plot_w + 10, y), f"{top_rate * i / 4:.2%}", fill=LINE, font=small, anchor="lm")
    slot = plot_w / len(weeks)
    points: list[tuple[float, float]] = []
    for i, week in enumerate(weeks):
        cx = x0 + slot * (i + 0.5)
        height = plot_h * week.exposure / top_exposure
        draw.rectangle([cx - slot * 0.32, y0 - height, cx + slot * 0.32, y0], fill=BAR)
        draw.text((cx, y0 + 10), week.period_start[5:], fill=INK, font=small, anchor="ma")
        draw.text((cx, y0 + 28), f"{week.posts} posts", fill=MUTED, font=_font(12), anchor="ma")
        if week.engagement_rate is not None:
            points.append((cx, y0 - plot_h * min(1.0, week.engagement_rate / top_rate)))
    if len(points) > 1:
        draw.line(points, fill=LINE, width=3, joint="curve")
    for px, py in points:
        draw.ellipse([px - 5, py - 5, px + 5, py + 5], fill=LINE)
    draw.line([(x0, y0), (x0 + plot_w, y0)], fill=INK, width=1)
    legend_y = HEIGHT - 30
    draw.rectangle([LEFT, legend_y - 7, LEFT + 14, legend_y + 7], fill=BAR)
    draw.text(
        (LEFT + 22, legend_y),
        "exposure (impressions or views) of posts published that week",
        fill=INK,
        font=small,
        anchor="lm",
    )
    draw.line([(LEFT + 560, legend_y), (LEFT + 590, legend_y)], fill=LINE, width=3)
    draw.text((LEFT + 598, legend_y), "engagement rate (right axis)", fill=INK, font=small, anchor="lm")
    draw.text((x0 - 10, TOP - 22), "exposure", fill=BAR, font=small, anchor="rm")
    draw.text((x0 + plot_w + 10, TOP - 22), "rate", fill=LINE, font=small, anchor="lm")
    image.save(path, "PNG", optimize=True)
    return path
