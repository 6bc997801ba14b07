"""Small strategy changes psn makes by itself, from evidence, through ``apply_change`` (never a locked field).

* A pillar's weight moves by ``STEP`` (0.05) when its posts did clearly better (lift >= ``AHEAD``) or
  worse (<= ``BEHIND``) than the other posts of the same week on the same platforms, ``NEEDED_WEEKS``
  (3) complete weeks in a row. Two weeks are not enough; a week with fewer than ``MIN_WEEK_POSTS`` (2)
  of the pillar's posts or of the others breaks the run. While any pillar's weight is locked, no pillar
  weight moves (weights are relative: moving another changes the locked one's share).
* A posting time moves to a platform's best hour when that hour was posted at in 3+ weeks and scored at
  least ``BETTER`` times the configured time's hour, itself measured in 3+ weeks.

Each change is written with its evidence (the post ids) in ``.psn/strategy-changes.jsonl``; a locked
field is skipped and said so, never written.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from psn_core.services.learning.evidence import NEEDED_WEEKS, Evidence, fresh_mondays
from psn_core.services.learning.posts import PostCell, lift, platform_rates, score
from psn_core.services.strategy import StrategyChange, apply_change
from psn_core.strategy.errors import StrategyChangeInvalid, StrategyInvalid, StrategyLocked, StrategyNotFound
from psn_core.strategy.model import Strategy

STEP = 0.05
MIN_WEIGHT = 0.05
AHEAD, BEHIND = 1.15, 0.85
BETTER = 1.25
MIN_WEEK_POSTS = 2  # a week's pillar evidence: at least this many of the pillar's posts and of the others


class AutoChanges(BaseModel):
    changed: list[StrategyChange] = Field(default_factory=list, description="What psn changed, with evidence.")
    skipped: list[str] = Field(
        default_factory=list,
        description="Changes the evidence argued for that were not written (a lock, or the file changed).",
    )


def _locked(strategy: Strategy, path: str) -> bool:
    return any(path == lock or path.startswith(lock + ".") for lock in strategy.locked)


def _ids(posts: list[PostCell]) -> str:
    return ", ".join(sorted({str(p.post_id) for p in posts}))


def _pillar_run(evidence: Evidence, mondays: list[date], name: str) -> tuple[int, int, list[PostCell], list[str]]:
    """(direction +1/-1/0, weeks in a row, their posts, each week's lift as text), newest week first.

    A week counts with at least ``MIN_WEEK_POSTS`` of the pillar's posts and as many others; the lift
    compares the pillar's posts with the *other* posts of the week (the platform rates of those only)."""
    direction, weeks, posts, lifts = 0, 0, [], []
    for monday in mondays:
        week = evidence.week(monday)
        mine = [p for p in week if p.pillar == name]
        others = [p for p in week if p.pillar != name]
        if len(mine) < MIN_WEEK_POSTS or len(others) < MIN_WEEK_POSTS:
            break
        value = lift(mine, platform_rates(others))
        if value is None:
            break
        d = 1 if value >= AHEAD else -1 if value <= BEHIND else 0
        if d == 0 or (direction and d != direction):
            break
        direction, weeks = d, weeks + 1
        posts.extend(mine)
        lifts.append(f"week of {monday}: x{value:.2f}")
    return direction, weeks, posts, lifts


def pillar_adjustments(strategy: Strategy, evidence: Evidence, workspace: Path) -> list[tuple[str, float, str]]:
    """(path, new weight, evidence) for each pillar with ``NEEDED_WEEKS`` weeks in a row of evidence."""
    out = []
    for pillar in strategy.pillars:
        path = f"pillars.{pillar.name}.weight"
        direction, weeks, posts, lifts = _pillar_run(evidence, fresh_mondays(evidence, workspace, path), pillar.name)
        if direction == 0 or weeks < NEEDED_WEEKS:
            continue
        new = round(max(MIN_WEIGHT, pillar.weight + direction * STEP), 4)
        if new == pillar.weight:
            continue
        how = "better" if direction > 0 else "worse"
        why = (
            f"{pillar.name} posts did {how} than your other posts {weeks} weeks in a row "
            f"({'; '.join(reversed(lifts))}); posts: {_ids(posts)}"
        )
        out.append((path, new, why))
    return out


def time_adjustments(strategy: Strategy, evidence: Evidence, workspace: Path) -> list[tuple[str, Any, str]]:
    """(times.<platform>, new windows, evidence) where a better hour has 3+ weeks of evidence."""
    out: list[tuple[str, Any, str]] = []
    for platform, windows in strategy.times.items():
        path = f"times.{platform}"
        mondays = set(fresh_mondays(evidence, workspace, path))
        by_hour: dict[int, list[PostCell]] = defaultdict(list)
        for p in evidence.posts:
            if p.platform == platform and p.week in mondays:
                by_hour[p.hour].append(p)
        measured = {
            hour: (value, items)
            for hour, items in by_hour.items()
            if len({p.week for p in items}) >= NEEDED_WEEKS and (value := score(items)) is not None
        }
        if not measured:
            continue
        best = max(measured, key=lambda h: (measured[h][0], -h))
        best_score, best_posts = measured[best]
        worst: tuple[float, int, int] | None = None  # (score, window index, time index)
        for w, window in enumerate(windows):
            if any(int(at.split(":")[0]) == best for at in window.at):
                continue
            for t, at in enumerate(window.at):
                hour = int(at.split(":")[0])
                weak = hour in measured and measured[hour][0] * BETTER <= best_score
                if weak and (worst is None or measured[hour][0] < worst[0]):
                    worst = (measured[hour][0], w, t)
        if worst is None:
            continue
        _, w, t = worst
        old_at = windows[w].at[t]
        old_hour = int(old_at.split(":")[0])
        new_at = [list(x.at) for x in windows]
        new_at[w][t] = f"{best:02d}:00"
        new_windows = [{"days": list(x.days), "at": at} for x, at in zip(windows, new_at, strict=True)]
        why = (
            f"on {platform}, posts at {best:02d}:00 scored {best_score:.1f} against {measured[old_hour][0]:.1f} "
            f"at {old_at} ({evidence.zone.key}), each over {NEEDED_WEEKS}+ weeks; "
            f"posts: {_ids(best_posts + measured[old_hour][1])}"
        )
        out.append((path, new_windows, why))
    return out


def apply_auto_changes(strategy: Strategy, evidence: Evidence, workspace: Path, now: datetime) -> AutoChanges:
    """Make the small changes the evidence supports (actor psn, logged at ``now``); a locked field is
    skipped and reported."""
    result = AutoChanges()
    wanted: list[tuple[str, Any, str]] = [
        *pillar_adjustments(strategy, evidence, workspace),
        *time_adjustments(strategy, evidence, workspace),
    ]
    locked_weights = [
        f"pillars.{p.name}.weight" for p in strategy.pillars if _locked(strategy, f"pillars.{p.name}.weight")
    ]
    for path, value, why in wanted:
        if locked_weights and path.startswith("pillars.") and path not in locked_weights:
            # weights are relative: moving another pillar changes the locked one's share
            result.skipped.append(
                f"{path}: {', '.join(locked_weights)} is locked, and pillar weights are relative (moving this "
                "one would change the locked one's share): psn changes no pillar weight while one is locked."
            )
            continue
        try:
            change = apply_change(workspace, path, value, why, actor="psn", now=lambda: now)
        except StrategyLocked as exc:
            result.skipped.append(f"{path}: {exc.message}")
            continue
        except (StrategyInvalid, StrategyNotFound, StrategyChangeInvalid) as exc:  # edited meanwhile: next week
            result.skipped.append(f"{path}: {exc.message}")
            continue
        if change.changed:
            result.changed.append(change)
    return result
