"""`psn prefs show|refresh`: the preference model psn learned; and the decisions `psn review` takes
(--approve / --reject a strategy proposal, --lock a field). Thin edges over psn_core.services.learning."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from psn_core.cli.context import Ctx, pass_ctx
from psn_core.timefmt import utcnow

if TYPE_CHECKING:
    from psn_core.services.learning.models import Preferences, Proposal

COMPANY_HELP = "A company hub's model (yours there; with --brand, the brand's) instead of your own hub's."


@click.group()
def prefs() -> None:
    """What psn learned about what works for you: formats, pillars, hours, hooks, edits, resting topics."""


def _print(model: Preferences | None, as_json: bool) -> None:
    from psn_core.cli import output

    if as_json:
        output.print_json(model)
        return
    if model is None:
        output.echo("No preference model yet: run `psn prefs refresh` (the worker refreshes it every Monday).")
        return
    from zoneinfo import ZoneInfo

    when = model.computed_at.astimezone(ZoneInfo(model.timezone)).strftime("%Y-%m-%d %H:%M")
    output.echo(f"Learned from {model.posts} posts over {model.weeks} weeks, {when} ({model.timezone}).")
    rows: list[list[object]] = []
    rows += [["format", f"{f.platform} {f.format}", f.posts, f"score {f.score:.1f}"] for f in model.top_formats]
    rows += [["pillar", p.key, p.posts, f"x{p.lift:.2f}"] for p in model.pillars]
    rows += [["hour", f"{h.platform} {h.hour:02d}:00", h.posts, f"score {h.score:.1f}"] for h in model.hours]
    rows += [["weekday", d.key, d.posts, f"x{d.lift:.2f}"] for d in model.weekdays]
    rows += [["hook", h.key, h.posts, f"x{h.lift:.2f}"] for h in model.hook_patterns]
    rows += [["edit", f"{e.kind} {e.value}", e.count, ""] for e in model.edit_patterns]
    rows += [["resting", t.topic, t.posts, f"until {t.rest_until}"] for t in model.fatigued_topics]
    rows += [["killed", r.reason, r.count, ""] for r in model.killed_reasons]
    rows += [["followers", f"{f.platform} @{f.handle} week of {f.week}", f.followers, ""] for f in model.followers]
    rows += [["dropped", d, "", ""] for d in model.dropped_formats]
    output.print_table(["WHAT", "WHICH", ("N", {"justify": "right"}), "HOW"], rows)


@prefs.command("show")
@click.option("--brand", is_flag=True, help="The brand's model (a company hub, with --company).")
@click.option("--company", "company_name", default=None, help=COMPANY_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print the model as JSON (null before the first refresh).")
@pass_ctx
def prefs_show(obj: Ctx, brand: bool, company_name: str | None, as_json: bool) -> None:
    """Show the stored preference model (it changes nothing)."""
    from psn_core.services.learning.preferences import load_brand_preferences, load_preferences

    with obj.member_hub(company_name) as (hub, member), hub.transaction(member) as conn:
        model = load_brand_preferences(conn) if brand else load_preferences(conn, member)
    _print(model, as_json)


@prefs.command("refresh")
@click.option("--brand", is_flag=True, help="Refresh the brand's model (a company hub; editors and admins).")
@click.option("--company", "company_name", default=None, help=COMPANY_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print the new model as JSON.")
@pass_ctx
def prefs_refresh(obj: Ctx, brand: bool, company_name: str | None, as_json: bool) -> None:
    """Recompute the model now from your analytics, edits and ideas (the hub only; no platform is called)."""
    from psn_core.services.learning.preferences import refresh_preferences

    with obj.member_hub(company_name) as (hub, member), hub.transaction(member) as conn:
        model = refresh_preferences(
            conn, member, zone=obj.settings.zone, now=utcnow(), scope="brand" if brand else "member"
        )
    _print(model, as_json)


def proposal_line(p: Proposal) -> str:
    return f"#{p.id} [{p.status}] {p.summary} Why: {p.evidence}"


def decide_in_review(obj: Ctx, approve: int | None, reject: int | None, lock: tuple[str, ...], as_json: bool) -> None:
    """`psn review --approve ID / --reject ID / --lock FIELD`: the user's decisions, then what they did."""
    from psn_core.cli import output
    from psn_core.hub.database import Hub
    from psn_core.services.learning.proposals import decide
    from psn_core.services.strategy import apply_changes

    decided_ones: list[Proposal] = []
    done: dict[str, object] = {"proposals": decided_ones}
    if approve is not None and approve == reject:
        raise click.UsageError(f"--approve and --reject both name proposal #{approve}: decide it once.")
    if approve is not None or reject is not None:
        with Hub.open(obj.settings) as hub:
            for pid, yes in ((approve, True), (reject, False)):
                if pid is None:
                    continue
                # one transaction per decision: a later decision's error never rolls back an earlier one
                # whose change is already in strategy.yaml
                with hub.transaction(obj.member_id) as conn:
                    decided = decide(conn, obj.member_id, pid, approve=yes, workspace=obj.workspace, now=utcnow())
                decided_ones.append(decided)
                if not as_json:
                    output.echo(("Approved " if yes else "Rejected ") + proposal_line(decided))
    if lock:
        apply_changes(obj.workspace, [], "locked in `psn review --lock` (the user)", actor="user", lock=list(lock))
        done["locked"] = list(lock)
        if not as_json:
            output.echo(f"Locked: {', '.join(lock)}. psn's automatic tuning leaves them alone.")
    if as_json:
        output.print_json(done)


COMMANDS = (prefs,)
