"""`psn company ...` (create, migrate, invite, invites, revoke, join, members, role, remove, brand, sync, post):
thin edges over psn_core.services.company.hubs and .approvals. Each command talks to one company hub, through
``connections/<company>.env``; `psn approve` (psn_core.cli.approve) opens it with the helpers here."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click

from psn_core.cli import output
from psn_core.cli.choices import COMPANY_ROLES
from psn_core.cli.context import Ctx, pass_ctx
from psn_core.errors import PostInvalid, PSNError
from psn_core.timefmt import local, until, utcnow

if TYPE_CHECKING:
    from psn_core.services.company.hubs import CompanyHub
    from psn_core.services.posting.posts import Enqueue
    from psn_core.services.posting.schedule_time import ScheduleTime


def company_enqueue_for(obj: Ctx, hub: CompanyHub) -> Enqueue:
    """The publish queue of the company hub (it lives in that hub: each publish goes to the queue of the
    member who connected the account, whose `psn worker --company` runs it)."""
    from psn_core.queue import company_enqueue  # huey loads only for commands that queue work

    return company_enqueue(obj.settings, hub)


@contextmanager
def open_company(obj: Ctx, name: str) -> Iterator[CompanyHub]:
    """The company hub a command talks to; afterwards, its critical notifications for you (on stderr,
    like the personal hub's footer), so an author learns of a rejection from any company command."""
    import psycopg

    from psn_core.services.company.hubs import CompanyHub
    from psn_core.services.notifications import pending_critical_footer

    with CompanyHub.open(obj.settings, name) as hub:
        yield hub
        try:
            lines = pending_critical_footer(hub.hub, hub.who.member_id, hub.connection.slug)
        except (PSNError, psycopg.Error):
            lines = []  # the footer never turns a working command into a failing one
        for line in lines:
            output.echo(line, err=True)


def context_line(line: str) -> None:
    """A "Posting as: ... for <company> ..." line, set apart in colour on a terminal (company, not personal)."""
    click.secho(line, fg="magenta", bold=True)


def when_at(obj: Ctx, at: str | None) -> ScheduleTime | None:
    from psn_core.services.posting.schedule_time import resolve

    return resolve(at, obj.settings.timezone, utcnow()) if at else None


@click.group("company")
def company_group() -> None:
    """Company hubs: members, invite codes, brand voice, company posts."""


@company_group.command("create")
@click.argument("name")
@click.option("--display-name", default=None, help="The company's name as people read it (default: NAME).")
@click.option("--your-name", default=None, help="Your name in the company (default: your personal hub's).")
@click.option("--database-url", default=None, help="Owner URL of an empty database for it (default: a new one).")
@pass_ctx
def create(obj: Ctx, name: str, display_name: str | None, your_name: str | None, database_url: str | None) -> None:
    """Create a company hub; you become its first admin."""
    from psn_core.hub.database import Hub
    from psn_core.services.company import hubs as company

    if your_name is None:
        with Hub.open(obj.settings) as hub, hub.transaction(obj.member_id) as conn:
            mine = company.display_name(conn, obj.member_id)
        your_name = mine if mine is not None else "Admin"
    done = company.create_company(
        obj.settings, name, admin_name=your_name, display_name=display_name, owner_url=database_url
    )
    click.echo(f"Created {done.name} ({done.hub}, database {done.database}); you are its admin.")
    click.echo(f"Connection saved in {done.connection_file} (secret, gitignored).")
    if done.only_this_machine:
        click.echo(
            "Note: it lives on this machine's embedded server (a unix socket), so nobody on another machine can "
            "join it. For a team, create it on a server instead: `psn company create NAME --database-url URL` "
            "(the owner URL of an empty database on any PostgreSQL >= 15; Neon works).",
            err=True,
        )
    click.echo(f"Next: connect its accounts with `psn auth x --company {done.slug}` (or linkedin, instagram, tiktok),")
    click.echo(f"keep `psn worker --company {done.slug}` (or `psn worker --all`) running here to publish them,")
    click.echo(f"and invite people with `psn company invite {done.slug}`.")


@company_group.command("migrate")
@click.argument("name")
@click.option("--finish", is_flag=True, help="Shut psn_app out now, even if some members have not moved over.")
@pass_ctx
def migrate_hub(obj: Ctx, name: str, finish: bool) -> None:
    """Bring a company hub up to this psn's migrations (the admin who created it, after upgrading psn)."""
    from psn_core.services.company import hubs as company

    done = company.migrate_company(obj.settings, name, finish=finish)
    click.echo(f"Applied {', '.join(done.applied)}." if done.applied else "The company hub is already up to date.")
    if done.you_moved:
        click.echo("You now connect as a login role of your own; your connection file was rewritten.")
    if done.waiting and not done.app_retired:
        click.echo(f"Still on the shared role: {', '.join(done.waiting)}. Each runs `psn company reconnect {name}`;")
        click.echo(f"once they have (or now, with `psn company migrate {name} --finish`), the shared role is shut out.")
    elif done.waiting:
        click.echo(f"The shared role is shut out; {', '.join(done.waiting)} must be invited again.")
    else:
        click.echo("Every member has a login role of their own; the shared role psn_app can no longer connect.")


@company_group.command("reconnect")
@click.argument("name")
@pass_ctx
def reconnect(obj: Ctx, name: str) -> None:
    """Move your membership to a login role of your own (after the admin ran `psn company migrate`)."""
    from psn_core.services.company import hubs as company

    if company.reconnect_company(obj.settings, name):
        click.echo(f"You now connect to {name} as a login role of your own; your member key is gone.")
    else:
        click.echo(f"Your connection to {name} already uses a login role of your own.")


@company_group.command("invite")
@click.argument("name")
@click.option("--role", type=click.Choice(["contributor", "editor"]), default="contributor", show_default=True)
@click.option("--note", default=None, help="Who it is for (shown by `psn company invites`).")
@click.option("--days", type=click.IntRange(1, 90), default=None, help="Days until it expires (default 7).")
@click.option("--this-machine", is_flag=True, help="The person joins from this machine (embedded hubs).")
@pass_ctx
def invite(obj: Ctx, name: str, role: str, note: str | None, days: int | None, this_machine: bool) -> None:
    """Make a single-use invite code (admins)."""
    from psn_core.services.company import invites as company_invites

    with open_company(obj, name) as hub, hub.transaction() as conn:
        made = company_invites.create_invite(
            conn,
            utcnow(),
            role=role,  # type: ignore[arg-type]
            note=note,
            ttl_days=days,
            this_machine=this_machine,
        )
    click.echo(
        f"Invite code: {made.code} ({made.role}, single use, expires {local(made.expires_at, obj.settings.zone)}, "
        f"{until(made.expires_at, utcnow())})"
    )
    click.echo("Send this line privately (the address opens nothing but this one invite):")
    click.echo(f"  psn company join {hub.connection.slug} --hub '{made.hub}' --code {made.code}")


@company_group.command("invites")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print it as JSON (shape: README, Output).")
@pass_ctx
def invites(obj: Ctx, name: str, as_json: bool) -> None:
    """List invite codes and their states (admins)."""
    from psn_core.services.company import invites as company_invites

    with open_company(obj, name) as hub, hub.transaction() as conn:
        items = company_invites.list_invites(conn, utcnow())
    if as_json:
        return output.print_json(items)
    zone, now = obj.settings.zone, utcnow()
    rows = [
        [
            str(i.id)[:8],
            output.status_cell(i.state),
            i.role,
            f"{local(i.expires_at, zone)} ({until(i.expires_at, now)})",
            i.note or "",
        ]
        for i in items
    ]
    output.print_table([("ID", {"no_wrap": True}), "STATE", "ROLE", "EXPIRES", "NOTE"], rows)
    click.echo(f"{len(items)} invite(s).")


@company_group.command("revoke")
@click.argument("name")
@click.argument("invite_id")
@pass_ctx
def revoke(obj: Ctx, name: str, invite_id: str) -> None:
    """Revoke an unused invite code (admins)."""
    from psn_core.services.company import invites as company_invites

    with open_company(obj, name) as hub, hub.transaction() as conn:
        done = company_invites.revoke_invite(conn, invite_id, utcnow())
    click.echo(f"Revoked invite {str(done.id)[:8]}.")


@company_group.command("join")
@click.argument("name")
@click.option("--hub", "hub_url", required=True, help="The invite's address (from the admin's invite line).")
@click.option("--code", required=True, help="Your invite code.")
@click.option("--your-name", required=True, help="Your name as the company will see it.")
@pass_ctx
def join(obj: Ctx, name: str, hub_url: str, code: str, your_name: str) -> None:
    """Join a company with an invite code."""
    from psn_core.services.company import invites as company_invites

    done = company_invites.join_company(obj.settings, name, hub_url=hub_url, code=code, display_name=your_name)
    click.echo(f"Joined {done.name} as {done.role}. Connection saved in {done.connection_file} (secret, gitignored).")
    click.echo(f"Run `psn company sync {done.slug}` to copy the brand voice.")


@company_group.command("members")
@click.argument("name")
@click.option("--all", "everyone", is_flag=True, help="Include removed members.")
@click.option("--json", "as_json", is_flag=True, help="Print it as JSON (shape: README, Output).")
@pass_ctx
def members(obj: Ctx, name: str, everyone: bool, as_json: bool) -> None:
    """List members and roles (admins and editors see everyone)."""
    from psn_core.services.company import hubs as company

    with open_company(obj, name) as hub, hub.transaction() as conn:
        roster = company.list_members(conn, include_removed=everyone)
    if as_json:
        return output.print_json(roster)
    gone = {m.id: f"removed {local(m.removed_at, obj.settings.zone)}" for m in roster if m.removed_at}
    rows = [[str(m.id)[:8], m.display_name, m.role, m.timezone, gone.get(m.id, "")] for m in roster]
    output.print_table([("ID", {"no_wrap": True}), "NAME", "ROLE", "ZONE", ""], rows)


@company_group.command("role")
@click.argument("name")
@click.argument("member")
@click.argument("role", type=click.Choice(list(COMPANY_ROLES)))
@pass_ctx
def role(obj: Ctx, name: str, member: str, role: str) -> None:
    """Change a member's role (admins)."""
    from psn_core.services.company import hubs as company

    with open_company(obj, name) as hub, hub.transaction() as conn:
        done = company.set_role(conn, member, role)  # type: ignore[arg-type]
    click.echo(f"{done.display_name} is now {done.role}.")


@company_group.command("remove")
@click.argument("name")
@click.argument("member")
@pass_ctx
def remove(obj: Ctx, name: str, member: str) -> None:
    """Remove a member: their connection reads nothing from now on (admins)."""
    from psn_core.services.company import hubs as company

    with open_company(obj, name) as hub, hub.transaction() as conn:
        done = company.remove_member(conn, member, utcnow())
    click.echo(f"Removed {done.display_name}: their login role is disabled and their sessions ended.")


@company_group.command("brand")
@click.argument("name")
@click.argument("profile", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_ctx
def brand(obj: Ctx, name: str, profile: Path) -> None:
    """Set the company's brand voice and guardrails from a brand_ambassador profile (admins)."""
    from psn_core.services.company import brand as company_brand

    with open_company(obj, name) as hub, hub.transaction() as conn:
        company_brand.set_brand_voice(conn, profile)
    click.echo(f"Brand voice of {hub.name} updated; members run `psn company sync {hub.connection.slug}`.")


@company_group.command("sync")
@click.argument("name")
@pass_ctx
def sync(obj: Ctx, name: str) -> None:
    """Copy the company's brand voice into voices/brand-ambassador-<company>.yaml."""
    from psn_core.services.company import brand as company_brand

    with open_company(obj, name) as hub:
        path = company_brand.sync_brand_voice(hub, obj.workspace)
    click.echo(f"Brand voice saved to {path}; posting reads this file, not the company hub.")


@company_group.command("post")
@click.argument("name")
@click.argument("text", nargs=-1, required=True)
@click.option("--to", "targets", multiple=True, required=True, help="Company accounts: x, linkedin, x:@handle.")
@click.option("--at", "at", default=None, help="When, in your zone: 'tomorrow 9am', 'in 2 hours', YYYY-MM-DD HH:MM.")
@click.option("--idea", default="", help="A few words for the calendar.")
@click.option("--idea-id", default=None, help="The company idea it is made from (id or its first 8 characters).")
@click.option("--language", default="en", show_default=True)
@click.option(
    "--media",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="An image or video to attach (repeat for several); it is carried to the publisher through the hub.",
)
@click.option("--ai-draft", default=None, help="The draft you started from, before your edits: psn learns from them.")
@click.option("--format", "fmt", default=None, help="The post format used (short_take, story, question, thread ...).")
@click.option("--series", default=None, help="The company series it is an episode of (name, slug or id).")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_ctx
def post(
    obj: Ctx,
    name: str,
    text: tuple[str, ...],
    targets: tuple[str, ...],
    at: str | None,
    idea: str,
    idea_id: str | None,
    language: str,
    media: tuple[Path, ...],
    ai_draft: str | None,
    fmt: str | None,
    series: str | None,
    yes: bool,
) -> None:
    """Post on company accounts: scheduled for editors and admins, sent for approval for contributors.

    The text is checked against the synced brand voice first (voices/brand-ambassador-<company>.yaml):
    a word the company's guardrails forbid stops it before anything reaches the hub."""
    from psn_core.services.company import approvals
    from psn_core.services.company import brand as company_brand
    from psn_core.services.company import hubs as company
    from psn_core.services.posting.posts import PartInput
    from psn_core.services.posting.schedule_time import resolve
    from psn_core.voice.formats import check_format

    body = " ".join(text)
    when = when_at(obj, at) or resolve(utcnow(), obj.settings.timezone, utcnow())
    slug = company.check_slug(name)
    if fmt is not None:
        check_format(fmt)
    if ai_draft:  # the edit is keyed by language: a bad name is refused before anything is written
        from psn_core.services.voice.files import check_names

        check_names(language=language)
    brand = company_brand.check_brand(obj.workspace, slug, body, language)
    if brand.forbidden_words:
        raise PostInvalid(
            f"The post uses words {slug}'s brand guardrails forbid: {', '.join(brand.forbidden_words)}.",
            "Reword it without them; nothing was sent to the company hub.",
            problems=[f"forbidden: {word}" for word in brand.forbidden_words],
        )
    with open_company(obj, slug) as hub:
        with hub.transaction() as conn:
            stale = company_brand.brand_is_stale(conn, obj.workspace, slug)
            preview = approvals.preview_company_post(conn, list(targets))
        for line in preview.context:
            context_line(line)
        click.echo(f"  {body}")
        for file in media:
            click.echo(f"  + {file.name}")
        waits = "waits for approval by an editor or admin, due" if preview.needs_approval else "goes out"
        click.echo(f"  {waits} {when.echo()}")
        if not yes:
            click.confirm("Send it for approval?" if preview.needs_approval else "Schedule it?", abort=True)
        result = approvals.post_for_company(
            hub,
            list(targets),
            [PartInput(text=body, media=list(media))],
            when,
            company_enqueue_for(obj, hub),
            media_dir=obj.workspace / "media",
            media_host=obj.settings.media_host_url,
            idea=idea,
            language=language,
            idea_id=idea_id,
            series=series,
            format=fmt,
        )
    if ai_draft:  # best effort: the post is committed and queued; failing now would make the user post it twice
        from psn_core.cli.edits import learn_edit

        try:
            learn_edit(obj, result.post.persona, language, list(targets), fmt, ai_draft, body, [str(m) for m in media])
        except PSNError as exc:
            click.echo(f"Note: post scheduled; the edit was not learned: {exc.message}")
    if brand.file is None:
        click.echo(f"No brand voice synced here: run `psn company sync {slug}` so posts are checked against it.")
    elif stale:
        click.echo(f"The company's brand voice changed since your last sync: run `psn company sync {slug}`.")
    elif brand.forbidden_topics:
        click.echo(f"Brand guardrails: stay off {', '.join(brand.forbidden_topics)}.")
    if brand.required_disclosure and brand.required_disclosure.lower() not in body.lower():
        click.echo(f"Brand guardrails ask for the disclosure {brand.required_disclosure!r} on posts about the company.")
    if result.status == "pending_approval":
        click.echo(f"Sent post {str(result.post.id)[:8]} for approval ({when.echo()}); approvers were notified.")
    else:
        click.echo(f"Scheduled post {str(result.post.id)[:8]} for {when.echo()}.")


COMMANDS = (company_group,)
