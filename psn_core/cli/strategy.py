"""`psn strategy ...`: the content strategy in strategy.yaml (pillars, frequency, times, languages, locks)."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

import click

from psn_core.cli.choices import PLATFORM_NAMES
from psn_core.cli.context import Ctx, pass_ctx

if TYPE_CHECKING:
    from psn_core.services.strategy import StrategyState


@click.group()
def strategy() -> None:
    """Your content strategy (strategy.yaml): pillars, posts per week, preferred times, languages, locks."""


def _state_json(state: StrategyState, changes: list[dict[str, object]]) -> str:
    data = state.model_dump(mode="json")
    if state.strategy is not None:
        data["shares"] = state.strategy.shares()
        data["language_shares"] = state.strategy.language_shares()
    data["recent_changes"] = changes
    return json.dumps(data, indent=2, ensure_ascii=False)


def _warn(state: StrategyState) -> None:
    if state.warning:
        click.echo(f"Warning: {state.warning}", err=True)


@strategy.command("show")
@click.option("--json", "as_json", is_flag=True, help="Print the strategy in use as JSON.")
@click.option("--changes", default=5, show_default=True, help="How many recent changes to list.")
@pass_ctx
def strategy_show(obj: Ctx, as_json: bool, changes: int) -> None:
    """The strategy psn plans with (the last valid one, with a warning, if strategy.yaml is broken)."""
    from psn_core.services.strategy import recent_changes, strategy_state

    state = strategy_state(obj.workspace)
    recent = recent_changes(obj.workspace, changes) if changes > 0 else []
    _warn(state)
    if as_json:
        click.echo(_state_json(state, recent))
        return
    current = state.strategy
    if current is None:
        click.echo(f"No strategy in use: {state.path} {'is broken' if state.problems else 'does not exist'}.")
        click.echo("Write one with `psn strategy init` (defaults from your voice profile), then edit it.")
        sys.exit(1)
    origin = "its last valid version" if state.source == "last-valid" else str(state.path)
    click.echo(f"Strategy from {origin}")
    click.echo("  pillars:")
    for pillar in current.pillars:
        about = f"  {pillar.description}" if pillar.description else ""
        click.echo(f"    {pillar.name:<20} {current.shares()[pillar.name]:4.0%}{about}")
    per_week = ", ".join(f"{p} {n}" for p, n in current.frequency.items()) or "not set"
    click.echo(f"  posts per week: {per_week} ({current.per_week()} in all)")
    for platform, windows in current.times.items():
        spans = "; ".join(f"{','.join(w.days)} at {', '.join(w.at)}" for w in windows)
        click.echo(f"  times on {platform}: {spans} (your time zone)")
    balance = ", ".join(f"{code} {share:.0%}" for code, share in current.language_shares().items())
    click.echo(f"  languages: {balance}")
    click.echo(f"  avoid: {', '.join(current.avoid_topics) or 'nothing listed'}")
    click.echo(f"  locked: {', '.join(current.locked) or 'nothing (psn may tune every field)'}")
    for change in recent:
        what = change.get("path") or "init"
        click.echo(
            f"  changed {change.get('at', '?')} by {change.get('actor', '?')}: {what} ({change.get('evidence')})"
        )


@strategy.command("check")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_ctx
def strategy_check(obj: Ctx, as_json: bool) -> None:
    """Validate strategy.yaml: every problem with its line and field; exits 1 when it is broken or missing."""
    from psn_core.services.strategy import strategy_state

    state = strategy_state(obj.workspace)
    ok = state.source == "file"
    if as_json:
        payload = {"ok": ok, "path": str(state.path), "source": state.source, "warning": state.warning}
        payload["problems"] = [p.model_dump() for p in state.problems]
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
    elif ok:
        click.echo(f"{state.path} is valid.")
    elif not state.problems:
        click.echo(f"No strategy at {state.path}: write one with `psn strategy init`.", err=True)
    else:
        click.echo(f"{state.path} has problems:", err=True)
        for problem in state.problems:
            click.echo(f"  {problem.describe()}", err=True)
        used = "its last valid version" if state.source == "last-valid" else "no strategy"
        click.echo(f"Until it is fixed psn uses {used}. Fix the lines named, then run `psn strategy check`.", err=True)
    if not ok:
        sys.exit(1)


@strategy.command("init")
@click.option(
    "--talks-like",
    type=click.Choice(["friends", "between", "work"]),
    default=None,
    help="How you post: like to friends, at work, or in between (default: from voices/personal.yaml).",
)
@click.option("--language", "languages", multiple=True, help="A posting language (repeat; main one first).")
@click.option("--platform", "platforms", multiple=True, type=click.Choice(PLATFORM_NAMES), help="Only these.")
@click.option("--force", is_flag=True, help="Replace an existing strategy.yaml.")
@click.option("--json", "as_json", is_flag=True, help="Print what was written as JSON.")
@pass_ctx
def strategy_init(
    obj: Ctx,
    talks_like: str | None,
    languages: tuple[str, ...],
    platforms: tuple[str, ...],
    force: bool,
    as_json: bool,
) -> None:
    """Write strategy.yaml with defaults from your voice onboarding answers; edit it afterwards."""
    from pydantic import ValidationError

    from psn_core.services.strategy import init_strategy, seed_from_voice
    from psn_core.strategy.defaults import StrategySeed

    seed = None
    if talks_like or languages or platforms:
        base, _ = seed_from_voice(obj.workspace)
        fields = base.model_dump()
        fields.update({k: v for k, v in (("talks_like", talks_like), ("languages", list(languages))) if v})
        fields["platforms"] = list(platforms) or None
        try:
            seed = StrategySeed.model_validate(fields)
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
            raise click.UsageError(f"Invalid option: {problems}") from exc
    written = init_strategy(obj.workspace, seed, force=force)
    if as_json:
        click.echo(written.model_dump_json(indent=2))
        return
    current = written.strategy
    click.echo(f"{'Replaced' if written.replaced else 'Wrote'} {written.path} (defaults from {written.seeded_from})")
    click.echo(f"  pillars: {', '.join(p.name for p in current.pillars)}")
    click.echo(f"  posts per week: {', '.join(f'{p} {n}' for p, n in current.frequency.items())}")
    click.echo("Rename the pillars to your own themes and adjust the rest by hand; `psn strategy check` validates it.")


@strategy.command("lock")
@click.argument("fields", nargs=-1, required=True)
@pass_ctx
def strategy_lock(obj: Ctx, fields: tuple[str, ...]) -> None:
    """Lock fields (pillars, frequency.x, languages ...): psn's automatic tuning leaves them alone."""
    from psn_core.services.strategy import apply_changes

    apply_changes(obj.workspace, [], "`psn strategy lock` (the user)", actor="user", lock=list(fields))
    click.echo(f"Locked: {', '.join(fields)}. Only you change them now (by hand, or `psn strategy unlock`).")


@strategy.command("unlock")
@click.argument("fields", nargs=-1, required=True)
@pass_ctx
def strategy_unlock(obj: Ctx, fields: tuple[str, ...]) -> None:
    """Unlock fields: psn's automatic tuning may change them again."""
    from psn_core.services.strategy import apply_changes

    apply_changes(obj.workspace, [], "`psn strategy unlock` (the user)", actor="user", unlock=list(fields))
    click.echo(f"Unlocked: {', '.join(fields)}.")


COMMANDS = (strategy,)
