"""`psn post`, `queue`, `failures`, `retry`, `explain`, `cancel`, `reschedule`: thin edges
over psn_core.services.posting.posts. Times are always shown in the user's zone, with the zone named."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click

from psn_core.cli.context import Ctx, pass_ctx
from psn_core.errors import PostInvalid
from psn_core.timefmt import local, utcnow

if TYPE_CHECKING:
    from psn_core.hub.database import Conn, Hub
    from psn_core.services.posting import posts

json_flag = click.option("--json", "as_json", is_flag=True, help="Print it as JSON (shapes: README, Output).")


@contextmanager
def _member_tx(obj: Ctx) -> Iterator[tuple[Hub, Conn]]:
    from psn_core.hub.database import Hub

    with Hub.open(obj.settings) as hub, hub.transaction(obj.member_id) as conn:
        yield hub, conn


def _enqueue(obj: Ctx, hub: Hub) -> posts.Enqueue:
    from psn_core.queue import Producer  # huey loads only for commands that queue work

    return Producer(obj.settings, hub).enqueue_publish


def _show_target(obj: Ctx, t: posts.TargetView) -> None:
    from psn_core.platforms.registry import PLATFORMS

    zone = obj.settings.zone
    name = PLATFORMS[t.platform].display_name
    when = local(t.next_attempt_at or t.due_at, zone)
    click.echo(f"  [{str(t.id)[:8]}] {name} @{t.handle}: {t.status} {when}")
    first = t.rendering.parts[0].text.replace("\n", " ")
    more = f" (+{len(t.rendering.parts) - 1} parts)" if len(t.rendering.parts) > 1 else ""
    click.echo(f"      {first[:70]}{'...' if len(first) > 70 else ''}{more}")
    if t.status == "published":
        late = f", {t.lateness_ms} ms after its time" if t.lateness_ms is not None else ""
        private = " (private: TikTok sandbox)" if t.private_only else ""
        click.echo(f"      published {local(t.published_at, zone)}{late}; id {', '.join(t.remote_ids)}{private}")
    elif t.error_message:
        click.echo(f"      {t.error_message}")
        click.echo(f"      what to do: {t.error_action}")


@click.command()
@click.argument("text", nargs=-1, required=True)
@click.option("--to", "targets", multiple=True, required=True, help="x, linkedin, instagram, tiktok (or x:@handle).")
@click.option("--media", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--at", "at", default=None, help="When, in your zone: 'tomorrow 9am', 'in 2 hours', YYYY-MM-DD HH:MM.")
@click.option("--thread", is_flag=True, help="Split long text into a thread where the platform has threads.")
@click.option("--idea", default="", help="A few words for the calendar.")
@click.option("--idea-id", default=None, help="The ideas-bank idea it is made from (id or its first 8 characters).")
@click.option("--plan-slot", default=None, help="The weekly plan's slot it fills (`psn plan show` lists them).")
@click.option("--series", "series", default=None, help="The series it is an episode of: its slug (`psn series list`).")
@click.option("--pillar", default=None, help="The content pillar it belongs to (default: its series' or idea's).")
@click.option("--language", default="en", show_default=True)
@click.option(
    "--privacy",
    default=None,
    help="TikTok: who can see it (PUBLIC_TO_EVERYONE, MUTUAL_FOLLOW_FRIENDS, FOLLOWER_OF_CREATOR, SELF_ONLY; "
    "`psn auth verify tiktok` lists your account's). Required for TikTok unless the app is in sandbox mode.",
)
@click.option("--allow-comments", is_flag=True, help="TikTok: let people comment (off by default).")
@click.option("--allow-duets", is_flag=True, help="TikTok videos: allow duets (off by default).")
@click.option("--allow-stitches", is_flag=True, help="TikTok videos: allow stitches (off by default).")
@click.option("--ai-draft", default=None, help="The draft you started from, before your edits: psn learns from them.")
@click.option("--format", "fmt", default=None, help="The post format used (short_take, story, question, thread ...).")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_ctx
def post(
    obj: Ctx,
    text: tuple[str, ...],
    targets: tuple[str, ...],
    media: tuple[Path, ...],
    at: str | None,
    thread: bool,
    idea: str,
    idea_id: str | None,
    plan_slot: str | None,
    series: str | None,
    pillar: str | None,
    language: str,
    privacy: str | None,
    allow_comments: bool,
    allow_duets: bool,
    allow_stitches: bool,
    ai_draft: str | None,
    fmt: str | None,
    yes: bool,
) -> None:
    """Schedule a post (now, or --at a local time) to one or more accounts.

    With --ai-draft (the draft you started from) psn learns your voice from your edits, as it does for
    drafts saved from Claude Code; --format names the post format, else psn works it out."""
    from psn_core.hub.database import Hub
    from psn_core.platforms.registry import PLATFORMS
    from psn_core.services.posting import posts, saved_drafts
    from psn_core.services.posting.schedule_time import resolve

    body = " ".join(text)
    settings = obj.settings
    when = resolve(at or utcnow(), settings.timezone, utcnow())
    files = [str(m) for m in media]
    draft = saved_drafts.ReviewedDraft(
        targets=[
            saved_drafts.DraftTarget(
                account=spec,
                parts=[body],
                media=files,
                split_into_thread=thread,
                privacy_level=privacy,
                allow_comment=allow_comments,
                allow_duet=allow_duets,
                allow_stitch=allow_stitches,
                ai_draft=ai_draft or None,
                format=fmt,
            )
            for spec in targets
        ],
        idea=idea,
        language=language,
        origin="ai_reviewed" if ai_draft else "human",
        series_id=series,
        pillar=pillar,
    )
    with _member_tx(obj) as (_hub, conn):
        if idea_id is not None:
            from psn_core.services.ideas.bank import resolve_id

            draft.idea_id = resolve_id(conn, idea_id)
        if plan_slot is not None:
            from psn_core.services.plan.store import resolve_slot

            draft.plan_slot_id = resolve_slot(conn, plan_slot)
        plan = saved_drafts.plan_draft(conn, obj.member_id, draft)
    click.echo(f"Posting as: {plan.posting_as} for your personal hub, {when.echo()}")
    for planned in plan.targets:
        name = PLATFORMS[planned.account.platform].display_name
        click.echo(f"  on {name} @{planned.account.handle}: {len(planned.target.parts)} part(s)")
        for number, part in enumerate(planned.target.parts, start=1):
            click.echo(f"    {number}. {part.text}")
    if not yes:
        click.confirm("Schedule it?", abort=True)
    with Hub.open(settings) as hub:
        with hub.transaction(obj.member_id) as conn:
            try:
                created = saved_drafts.save_plan(conn, settings, obj.member_id, plan)
            except PostInvalid as exc:
                for problem in exc.problems:
                    click.echo(f"  - {problem}", err=True)
                raise
        view = posts.schedule_and_enqueue(hub, obj.member_id, created.id, when, _enqueue(obj, hub))
    click.echo(f"Scheduled post {str(view.id)[:8]} for {when.echo()}. Run `psn worker` so it goes out.")
    for scheduled in view.targets:
        _show_target(obj, scheduled)


def _print_targets(obj: Ctx, items: list[posts.TargetView], *, problems: bool) -> None:
    from psn_core.platforms.registry import PLATFORMS

    """The queue or the failures as a table: one row per target, wrapped to the terminal."""
    from psn_core.cli import output

    zone = obj.settings.zone
    rows = []
    for t in items:
        when = local(t.next_attempt_at or t.due_at, zone)
        parts = len(t.rendering.parts)
        text = t.rendering.parts[0].text.replace("\n", " ") + (f" (+{parts - 1} parts)" if parts > 1 else "")
        last = f"{t.error_message}\nwhat to do: {t.error_action}" if t.error_message else ""
        rows.append(
            [str(t.id)[:8], when, f"{PLATFORMS[t.platform].display_name} @{t.handle}", output.status_cell(t.status)]
            + ([text, last] if problems else [text])
        )
    columns: list[str | tuple[str, dict[str, object]]] = [
        ("ID", {"no_wrap": True, "overflow": "ellipsis", "style": "bold"}),
        ("WHEN", {"min_width": 16, "max_width": 22}),
        ("ACCOUNT", {"max_width": 24}),
        ("STATUS", {"max_width": 16}),
        "TEXT",
    ]
    if problems:
        columns.append("PROBLEM")
    if rows:
        output.print_table(columns, rows)


@click.command()
@json_flag
@pass_ctx
def queue(obj: Ctx, as_json: bool) -> None:
    """What is scheduled or publishing, soonest first."""
    from psn_core.services.posting import posts

    with _member_tx(obj) as (_hub, conn):
        items = posts.list_targets(conn, obj.member_id, posts.QUEUED)
    if as_json:
        from psn_core.cli import output

        output.print_json(items)
        return
    click.echo(f"{len(items)} in the queue (times in {obj.settings.timezone}).")
    _print_targets(obj, items, problems=False)


@click.command()
@json_flag
@pass_ctx
def failures(obj: Ctx, as_json: bool) -> None:
    """Targets that failed, expired or need your attention, with what to do."""
    from psn_core.services.posting import posts

    with _member_tx(obj) as (_hub, conn):
        items = posts.list_targets(conn, obj.member_id, posts.FAILED)
    if as_json:
        from psn_core.cli import output

        output.print_json(items)
        return
    click.echo(f"{len(items)} need attention." + (" Retry one with `psn retry ID`." if items else ""))
    _print_targets(obj, items, problems=True)


@click.command()
@click.argument("ref")
@pass_ctx
def retry(obj: Ctx, ref: str) -> None:
    """Publish a failed or expired target again, now (a thread continues where it stopped)."""
    from psn_core.hub.database import Hub
    from psn_core.services.posting import posts

    with Hub.open(obj.settings) as hub:
        with hub.transaction(obj.member_id) as conn:
            target = posts.retry_target(
                conn, obj.member_id, posts.resolve_ref(conn, obj.member_id, ref, "target"), utcnow()
            )
        run_id = _enqueue(obj, hub)(obj.member_id, target.id, utcnow())
    click.echo(f"Queued again ({run_id[:8]}); `psn queue` shows it.")
    _show_target(obj, target)


@click.command()
@click.argument("ref")
@pass_ctx
def explain(obj: Ctx, ref: str) -> None:
    """What happened to a target: the platform's own words (secrets masked) and every attempt."""
    from psn_core.services.posting import explanations, posts

    with _member_tx(obj) as (_hub, conn):
        target_id = posts.resolve_ref(conn, obj.member_id, ref, "target")
        info = explanations.explain_target(conn, obj.member_id, target_id)
    _show_target(obj, info.target)
    for entry in info.attempts:
        click.echo(
            f"  part {entry.part_index + 1}, attempt {entry.attempt}: {entry.state}"
            f" {local(entry.started_at, obj.settings.zone, seconds=True)}"
            + (f" -> {entry.remote_id}" if entry.remote_id else "")
            + (f" ({entry.error_class}: {entry.detail})" if entry.error_class else "")
        )
    if info.error_raw:
        click.echo("  platform said:")
        click.echo("    " + info.error_raw[:2000])


@click.command()
@click.argument("ref")
@pass_ctx
def cancel(obj: Ctx, ref: str) -> None:
    """Cancel a post's targets that have not started publishing."""
    from psn_core.services.posting import posts

    with _member_tx(obj) as (_hub, conn):
        view = posts.cancel_post(conn, obj.member_id, posts.resolve_ref(conn, obj.member_id, ref, "post"))
    click.echo(f"Post {str(view.id)[:8]}:")
    for target in view.targets:
        _show_target(obj, target)


@click.command()
@click.argument("ref")
@click.option("--at", "at", required=True, help="New time in your zone: 'tomorrow 9am', YYYY-MM-DD HH:MM.")
@pass_ctx
def reschedule(obj: Ctx, ref: str, at: str) -> None:
    """Move a post to another time (until it starts publishing)."""
    from psn_core.hub.database import Hub
    from psn_core.services.posting import posts
    from psn_core.services.posting.schedule_time import resolve

    when = resolve(at, obj.settings.timezone, utcnow())
    with Hub.open(obj.settings) as hub:
        with hub.transaction(obj.member_id) as conn:
            post_id = posts.resolve_ref(conn, obj.member_id, ref, "post")
        view = posts.schedule_and_enqueue(hub, obj.member_id, post_id, when, _enqueue(obj, hub))
    click.echo(f"Post {str(view.id)[:8]} now goes out {when.echo()}.")


COMMANDS = (post, queue, failures, retry, explain, cancel, reschedule)
