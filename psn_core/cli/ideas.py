"""`psn idea "..."` (capture in seconds) and `psn ideas list|ready|search|stats|stale|kill|touch|promote`."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import click

from psn_core.cli.context import Ctx, pass_ctx
from psn_core.timefmt import local, utcnow

if TYPE_CHECKING:
    from psn_core.services.ideas.models import Idea

COMPANY_HELP = "A company hub's ideas (shared by its members) instead of your own hub's."
STATE_CHOICES = ("spark", "seed", "ready", "claimed", "developed", "used", "killed", "live", "all")


def _line(idea: Idea) -> str:
    tags = " ".join(
        t
        for t in (
            f"#pillar:{idea.pillar}" if idea.pillar else "",
            f"#platform:{idea.platform}" if idea.platform else "",
        )
        if t
    )
    claim = f" claimed by {idea.claimer or str(idea.claimed_by)[:8]}" if idea.claimed_by else ""
    rank = f" rank {idea.rank:.3f}" if idea.rank is not None else ""
    return (
        f"{idea.short_id} [{idea.state}{claim}] {idea.urgency}{rank} {json.dumps(idea.text, ensure_ascii=False)} {tags}"
    )


def _print(ideas: list[Idea], as_json: bool, empty: str) -> None:
    if as_json:
        click.echo(json.dumps([i.model_dump(mode="json") for i in ideas], indent=2, ensure_ascii=False))
        return
    if not ideas:
        click.echo(empty)
    for idea in ideas:
        click.echo(_line(idea))


def _states(state: str) -> list[str] | None:
    from psn_core.services.ideas.models import LIVE, STATES

    return list(STATES) if state == "all" else list(LIVE) if state == "live" else [state]


@click.command()
@click.argument("text", nargs=-1, required=True)
@click.option("--pillar", default=None, help="Its content pillar (same as #pillar:NAME).")
@click.option("--platform", default=None, help="The platform it is for (same as #platform:x).")
@click.option("--urgency", default=None, help="timely, seasonal or evergreen (same as #urgency:...; else inferred).")
@click.option("--lang", "language", default=None, help="Its language code (same as #lang:es; else guessed).")
@click.option("--company", "company_name", default=None, help=COMPANY_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print the idea as JSON.")
@pass_ctx
def idea(
    obj: Ctx,
    text: tuple[str, ...],
    pillar: str | None,
    platform: str | None,
    urgency: str | None,
    language: str | None,
    company_name: str | None,
    as_json: bool,
) -> None:
    """Capture an idea in seconds: psn idea "text #pillar:x #platform:x #urgency:timely".

    Tags come out of the text; without #urgency psn infers it (breaking, today -> timely; holidays,
    quarters, seasons -> seasonal; else evergreen), without #lang it guesses the language. With a
    strategy.yaml, an unknown pillar is refused."""
    from psn_core.services.ideas import bank
    from psn_core.services.ideas.pillars import strategy_pillars
    from psn_core.services.ideas.tags import parse_idea

    parsed = parse_idea(" ".join(text), pillar=pillar, platform=platform, urgency=urgency, language=language)
    pillars = strategy_pillars(obj.workspace)
    with obj.member_hub(company_name) as (hub, member), hub.transaction(member) as conn:
        made = bank.capture(conn, member, parsed, utcnow(), pillars=pillars)
    if as_json:
        click.echo(made.model_dump_json(indent=2))
        return
    inferred = " (inferred)" if made.urgency_inferred else ""
    expires = f", expires {local(made.expires_at, obj.settings.zone)} unless claimed" if made.expires_at else ""
    click.echo(f"Captured idea {made.short_id}: {made.state}, {made.urgency}{inferred}{expires}, {made.language}.")
    click.echo(f"  {_line(made)}")


@click.group()
def ideas() -> None:
    """Your ideas bank: list, ready, search, stats, stale, kill, touch, promote (each with --json)."""


def _common(f: click.decorators.FC) -> click.decorators.FC:
    f = click.option("--json", "as_json", is_flag=True, help="Print JSON.")(f)
    return click.option("--company", "company_name", default=None, help=COMPANY_HELP)(f)


@ideas.command("list")
@click.option("--state", type=click.Choice(STATE_CHOICES), default="live", show_default=True, help="Which states.")
@click.option("--pillar", default=None, help="Only this pillar.")
@click.option("--platform", default=None, help="Only ideas for this platform (or for none in particular).")
@click.option("--limit", type=click.IntRange(1, 1000), default=50, show_default=True, help="At most this many.")
@_common
@pass_ctx
def ideas_list(
    obj: Ctx, state: str, pillar: str | None, platform: str | None, limit: int, company_name: str | None, as_json: bool
) -> None:
    """Ideas, most recently touched first (live ones unless --state)."""
    from psn_core.services.ideas import bank

    with obj.member_hub(company_name) as (hub, member), hub.transaction(member) as conn:
        found = bank.list_ideas(conn, states=_states(state), pillar=pillar, platform=platform, limit=limit)
    _print(found, as_json, 'No ideas. Capture one with `psn idea "..."`.')


@ideas.command("ready")
@_common
@pass_ctx
def ideas_ready(obj: Ctx, company_name: str | None, as_json: bool) -> None:
    """Ideas ready to draft (claim one with `psn ideas promote ID`)."""
    from psn_core.services.ideas import bank

    with obj.member_hub(company_name) as (hub, member), hub.transaction(member) as conn:
        found = bank.list_ideas(conn, states=["ready"])
    _print(found, as_json, "No ready ideas. Promote a seed with `psn ideas promote ID`.")


@ideas.command("search")
@click.argument("query", nargs=-1, required=True)
@click.option("--state", type=click.Choice(STATE_CHOICES), default="all", show_default=True, help="Which states.")
@_common
@pass_ctx
def ideas_search(obj: Ctx, query: tuple[str, ...], state: str, company_name: str | None, as_json: bool) -> None:
    """Full-text search, best match first ("a phrase", -without, or)."""
    from psn_core.services.ideas import bank

    with obj.member_hub(company_name) as (hub, member), hub.transaction(member) as conn:
        found = bank.search_ideas(conn, " ".join(query), states=_states(state))
    _print(found, as_json, "No idea matches.")


@ideas.command("stats")
@_common
@pass_ctx
def ideas_stats(obj: Ctx, company_name: str | None, as_json: bool) -> None:
    """Counts by state, pillar, urgency and source, and how many are stale."""
    from psn_core.services.ideas import bank

    with obj.member_hub(company_name) as (hub, member), hub.transaction(member) as conn:
        result = bank.stats(conn, utcnow())
    if as_json:
        click.echo(result.model_dump_json(indent=2))
        return
    click.echo(f"{result.live} live ideas, {result.stale} stale.")
    for name in ("state", "pillar", "urgency", "source"):
        counts = getattr(result, f"by_{name}")
        click.echo(f"  by {name}: " + (", ".join(f"{k} {v}" for k, v in counts.items()) or "-"))


@ideas.command("stale")
@_common
@pass_ctx
def ideas_stale(obj: Ctx, company_name: str | None, as_json: bool) -> None:
    """Sparks untouched for 14 days and seeds for 30: touch, promote or kill them."""
    from psn_core.services.ideas import bank

    with obj.member_hub(company_name) as (hub, member), hub.transaction(member) as conn:
        found = bank.stale(conn, utcnow())
    _print(found, as_json, "No stale ideas.")


def _move(obj: Ctx, ref: str, action: str, company_name: str | None, as_json: bool, reason: str | None) -> None:
    from psn_core.services.ideas import bank

    with obj.member_hub(company_name) as (hub, member), hub.transaction(member) as conn:
        before = bank.get_idea(conn, ref).state
        moved = bank.move(conn, ref, action, utcnow(), reason=reason)  # type: ignore[arg-type]
    if as_json:
        click.echo(moved.model_dump_json(indent=2))
        return
    change = f"{before} -> {moved.state}" if before != moved.state else f"touched, still {moved.state}"
    click.echo(f"Idea {moved.short_id}: {change}.")


@ideas.command("promote")
@click.argument("idea_id")
@click.option("--note", default=None, help="Why (kept in the idea's history).")
@_common
@pass_ctx
def ideas_promote(obj: Ctx, idea_id: str, note: str | None, company_name: str | None, as_json: bool) -> None:
    """Move an idea one step: spark -> seed -> ready -> claimed (yours) -> developed -> used."""
    _move(obj, idea_id, "promote", company_name, as_json, note)


@ideas.command("kill")
@click.argument("idea_id")
@click.option("--reason", required=True, help="Why it is dropped (required, kept in its history).")
@_common
@pass_ctx
def ideas_kill(obj: Ctx, idea_id: str, reason: str, company_name: str | None, as_json: bool) -> None:
    """Drop a live idea, saying why."""
    _move(obj, idea_id, "kill", company_name, as_json, reason)


@ideas.command("touch")
@click.argument("idea_id")
@_common
@pass_ctx
def ideas_touch(obj: Ctx, idea_id: str, company_name: str | None, as_json: bool) -> None:
    """Keep an idea fresh: its stale clock starts again."""
    _move(obj, idea_id, "touch", company_name, as_json, None)


@ideas.command("claim")
@click.argument("idea_id")
@_common
@pass_ctx
def ideas_claim(obj: Ctx, idea_id: str, company_name: str | None, as_json: bool) -> None:
    """Take a ready idea to draft it (refused if someone claimed it first)."""
    _move(obj, idea_id, "claim", company_name, as_json, None)


@ideas.command("release")
@click.argument("idea_id")
@_common
@pass_ctx
def ideas_release(obj: Ctx, idea_id: str, company_name: str | None, as_json: bool) -> None:
    """Give back a claimed idea: it is ready for anyone again."""
    _move(obj, idea_id, "release", company_name, as_json, None)


COMMANDS = (idea, ideas)
