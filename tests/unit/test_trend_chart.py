"""The review's 12-week chart: matplotlib draws what the numbers say, with gaps for weeks without posts."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from PIL import Image

from psn_core.services.analytics.chart import HEIGHT, WIDTH, trend_chart
from psn_core.services.analytics.models import PeriodLine

LAST_MONDAY = date(2026, 11, 23)
# (posts, exposure, engagements) per week, oldest first; None: nothing published that week.
WEEKS = [(3, 1200, 40), (2, 900, 22), None, (4, 5400, 310), (1, 300, 9), None, None, (5, 15000, 420)]
WEEKS += [(2, 2300, 80), (3, 4100, 150), (1, 800, 10), (6, 9800, 520)]
BAR = (0x4C, 0x78, 0xA8)
LINE = (0xE4, 0x57, 0x56)


def _lines() -> list[PeriodLine]:
    return [
        PeriodLine(
            period_start=(LAST_MONDAY - timedelta(weeks=len(WEEKS) - 1 - i)).isoformat(),
            posts=w[0],
            exposure=w[1],
            engagements=w[2],
            engagement_rate=w[2] / w[1],
        )
        for i, w in enumerate(WEEKS)
        if w is not None
    ]


def _runs(columns: list[int]) -> int:
    """How many separate horizontal stretches the columns form (a gap of > 3 px separates two)."""
    return sum(1 for i, x in enumerate(columns) if i == 0 or x - columns[i - 1] > 3)


def test_the_chart_plots_every_week_with_gaps_and_labels_in_the_users_zone(tmp_path: Path) -> None:
    path = tmp_path / "trend.png"
    plotted = trend_chart(_lines(), path, title="Weekly trend", last_monday=LAST_MONDAY, zone="Europe/Madrid")

    assert plotted.mondays == [LAST_MONDAY - timedelta(weeks=11 - i) for i in range(12)]
    assert plotted.labels[0] == "Sep 7" and plotted.labels[-1] == "Nov 23"
    assert plotted.axis_label == "week starting Monday (Europe/Madrid)"
    assert plotted.posts == [w[0] if w else 0 for w in WEEKS]
    assert plotted.exposure == [w[1] if w else 0 for w in WEEKS]
    expected_rates = [w[2] / w[1] * 100 if w else None for w in WEEKS]
    assert [r is None for r in plotted.engagement_rate_pct] == [r is None for r in expected_rates]
    assert [r for r in plotted.engagement_rate_pct if r is not None] == pytest.approx(
        [r for r in expected_rates if r is not None]
    )

    with Image.open(path) as image:
        assert image.format == "PNG" and image.size == (WIDTH, HEIGHT) == (1000, 520)
        pixels = image.convert("RGB").load()
        assert pixels is not None
        bar_rows = [y for y in range(HEIGHT) if any(pixels[x, y] == BAR for x in range(0, WIDTH, 2))]
        line_cols = [x for x in range(WIDTH) if any(pixels[x, y] == LINE for y in range(HEIGHT))]
        line_rows = [y for y in range(HEIGHT) if any(pixels[x, y] == LINE for x in range(WIDTH))]
    # No empty half: the tallest bar reaches the top third, the rate line spans the lower panel.
    assert min(bar_rows) < HEIGHT / 3 and max(bar_rows) - min(bar_rows) > HEIGHT * 0.4
    assert min(line_rows) > max(bar_rows) and max(line_rows) - min(line_rows) > HEIGHT * 0.2
    # Weeks 3 and 6-7 had no posts: the line breaks there into three pieces instead of crossing them.
    assert _runs(line_cols) == 3


def test_a_chart_without_posts_still_has_its_twelve_weeks(tmp_path: Path) -> None:
    path = tmp_path / "empty.png"
    plotted = trend_chart([], path, title="Weekly trend", last_monday=LAST_MONDAY, zone="America/New_York")
    assert plotted.posts == [0] * 12 and plotted.exposure == [0.0] * 12
    assert plotted.engagement_rate_pct == [None] * 12
    assert plotted.axis_label == "week starting Monday (America/New_York)"
    with Image.open(path) as image:
        assert image.size == (1000, 520)


def test_matplotlib_loads_only_when_a_chart_is_drawn() -> None:
    code = (
        "import sys, psn_core.cli.main, psn_core.services.analytics.report, mcp_server.tools.analytics;"
        "print('matplotlib' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
