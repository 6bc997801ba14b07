"""`psn voice ...`: the voice profile, naturalness checks, suggestions learnt from edits, the report."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from psn_core.cli.context import Ctx, pass_ctx
from psn_core.text import decode_text

F = TypeVar("F", bound=Callable[..., Any])

SYMBOLS = {"ok": "✓", "warn": "!", "fail": "✗", "skip": "-"}


# --- voice ---------------------------------------------------------------------------------------
# The voice services are imported inside each command so this section stays one self-contained block.


@click.group()
def voice() -> None:
    """Your voice profile (voices/<persona>.yaml): set it up, check text against it, learn from edits."""


def _read_sample(sample: str | None, sample_file: Path | None) -> str:
    if sample_file is not None:
        return decode_text(sample_file.read_bytes(), str(sample_file))
    if sample is not None:
        return sample
    from psn_core.voice import CORE_QUESTIONS

    click.echo(CORE_QUESTIONS[1])
    click.echo("(Paste it, then type a line with just a dot (.) to finish.)")
    lines: list[str] = []
    while (line := sys.stdin.readline()) and line.rstrip("\r\n") != ".":
        lines.append(line)
    return "".join(lines)


@voice.command("init")
@click.option("--name", default="personal", show_default=True, help="The profile's name.")
@click.option("--language", default="en", show_default=True, help="Language of your writing sample (en, es).")
@click.option(
    "--talks-like",
    type=click.Choice(["friends", "between", "work"]),
    default=None,
    help="Question 1: you talking to friends, to colleagues at work, or in between.",
)
@click.option("--sample", default=None, help="Question 2: a few things you wrote yourself.")
@click.option(
    "--sample-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Question 2, from a file.",
)
@click.option("--never-use", multiple=True, help="Question 3: words you'd never use (repeat, or comma separated).")
@click.option("--force", is_flag=True, help="Replace an existing voices/personal.yaml.")
@pass_ctx
def voice_init(
    obj: Ctx,
    name: str,
    language: str,
    talks_like: str | None,
    sample: str | None,
    sample_file: Path | None,
    never_use: tuple[str, ...],
    force: bool,
) -> None:
    """Write voices/personal.yaml from three questions (about 2 minutes); it improves from your edits."""
    from pydantic import ValidationError

    from psn_core.services.voice.files import init_profile, voices_dir
    from psn_core.voice import CORE_QUESTIONS, CoreAnswers

    if talks_like is None:
        talks_like = click.prompt(CORE_QUESTIONS[0], type=click.Choice(["friends", "between", "work"]))
    text = _read_sample(sample, sample_file)
    if not never_use and sample is None and sample_file is None:
        never_use = (click.prompt(CORE_QUESTIONS[2], default="", show_default=False),)
    words = [w.strip() for item in never_use for w in item.split(",") if w.strip()]
    fields = {"name": name, "language": language, "talks_like": talks_like, "writing_sample": text, "never_use": words}
    try:
        answers = CoreAnswers.model_validate(fields)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise click.UsageError(f"Invalid answer: {problems}") from exc
    written = init_profile(voices_dir(obj.workspace), answers, force=force)
    section = written.profile.language(language)
    click.echo(f"{'Replaced' if written.replaced else 'Wrote'} {written.path}")
    click.echo(f"  formality {written.profile.traits.formality}/10, humor {written.profile.traits.humor}/10")
    click.echo(f"  sentences around {section.sentence_length.target_words or '?'} words ({language})")
    if section.never_use:
        click.echo(f"  never use: {', '.join(section.never_use)}")
    click.echo("Edit the file by hand any time; `psn voice suggestions` proposes changes learned from your edits.")
    if not (obj.workspace / "strategy.yaml").exists():
        click.echo("Next: `psn strategy init` sets your content pillars, posts per week and times from these answers.")


@voice.command("check")
@click.argument("file_or_text")
@click.option("--language", default="en", show_default=True, help="Language of the text.")
@click.option("--persona", default="personal", show_default=True, help="Profile to check against.")
@pass_ctx
def voice_check(obj: Ctx, file_or_text: str, language: str, persona: str) -> None:
    """Score how human a text reads (0-100) and show every tell with its character span.

    FILE_OR_TEXT is a file path, - for standard input, or the text itself.
    """
    from psn_core.services.voice.files import check_text, voices_dir

    try:
        is_file = "\n" not in file_or_text and Path(file_or_text).is_file()
    except OSError:  # a long sentence is not a path (ENAMETOOLONG)
        is_file = False
    if file_or_text == "-":
        text = decode_text(sys.stdin.buffer.read(), "the text read from stdin")
    elif is_file:
        text = decode_text(Path(file_or_text).read_bytes(), file_or_text)
    else:
        text = file_or_text
    checked = check_text(voices_dir(obj.workspace), text, language=language, persona=persona)
    report = checked.report
    verdict = "reads human" if report.reads_human else "reads machine-made"
    click.echo(f"Naturalness {report.score}/100 ({verdict}, {report.language})")
    click.echo(f"  profile: {checked.profile_used or 'none (psn defaults)'}")
    for tell in report.tells:
        click.echo(f"  [{tell.start}-{tell.end}] {tell.code}: {tell.excerpt!r}: {tell.reason}")
    if not report.tells:
        click.echo("  no tells found")
    _print_voice_match(obj, text, language=language, persona=persona)


def _print_voice_match(obj: Ctx, text: str, *, language: str, persona: str) -> None:
    from psn_core.errors import ConfigError, HubError
    from psn_core.hub.database import Hub
    from psn_core.services.voice.baseline import check_voice_match

    try:
        with Hub.open(obj.settings) as h, h.transaction(obj.member_id) as conn:
            found = check_voice_match(conn, obj.member_id, text, persona=persona, language=language)
    except (HubError, ConfigError) as exc:  # naturalness needs no hub; voice match does
        click.echo(f"Voice match: skipped ({exc.message})")
        return
    match = found.report
    if match is None:
        click.echo(f"Voice match: none. {found.note}")
        return
    verdict = "sounds like you" if match.sounds_like_you else "does not sound like you"
    click.echo(
        f"Voice match {match.score}/100 ({verdict}; against {match.based_on_texts} of your texts, "
        f"{match.based_on_words} words)"
    )
    for line in match.off:
        click.echo(f"  off: {line}")
    if not match.off:
        click.echo("  every habit measured is within your usual range")


def _print_import(result: Any) -> None:
    base = result.baseline
    click.echo(
        f"Imported {result.added} new text(s) from {result.source} ({result.already_there} already there) "
        f"for {base.persona}/{base.language}."
    )
    for why in result.skipped:
        click.echo(f"  skipped: {why}")
    click.echo(f"  baseline: {base.samples} sample(s) and {base.posts} published post(s), {base.words} words")
    if not base.enough:
        click.echo("  not enough yet for voice match: import a few more of your own posts.")


@voice.command("import")
@click.option("--x", "from_x", is_flag=True, help="Your own recent X posts, through your connected account.")
@click.option("--account", default="x", show_default=True, help="With --x: which X account (x:@handle).")
@click.option("--file", "path", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None)
@click.option("--url", default=None, help="A public web page you wrote (http/https).")
@click.option("--text", default=None, help="Pasted posts; - reads standard input. Separate posts with a blank line.")
@click.option("--language", default="en", show_default=True, help="The language the texts are written in.")
@click.option("--persona", default="personal", show_default=True, help="Whose voice they are.")
@pass_ctx
def voice_import(
    obj: Ctx,
    from_x: bool,
    account: str,
    path: Path | None,
    url: str | None,
    text: str | None,
    language: str,
    persona: str,
) -> None:
    """Import your own writing as the baseline voice match compares drafts with.

    One source per run: --x, --file PATH, --url URL or --text TEXT (- for standard input). In a file or
    pasted text, separate posts with a blank line, or with a line of --- when a post has paragraphs.
    """
    from psn_core.hub.database import Hub
    from psn_core.services.voice import imports

    chosen = [name for name, given in (("--x", from_x), ("--file", path), ("--url", url), ("--text", text)) if given]
    if len(chosen) != 1:
        raise click.UsageError("Give exactly one source: --x, --file PATH, --url URL or --text TEXT.")
    member = obj.member_id
    with Hub.open(obj.settings) as hub:
        if from_x:
            result = imports.import_x(
                hub, obj.settings, obj.ring, member, account=account, persona=persona, language=language
            )
        elif path is not None:
            result = imports.import_file(hub, member, path, persona=persona, language=language)
        elif url is not None:
            result = imports.import_url(hub, member, url, persona=persona, language=language)
        else:
            body = decode_text(sys.stdin.buffer.read(), "the text read from stdin") if text == "-" else text or ""
            result = imports.import_text(hub, member, body, persona=persona, language=language)
    _print_import(result)


@voice.command("baseline")
@click.option("--language", default="en", show_default=True)
@click.option("--persona", default="personal", show_default=True)
@click.option("--refresh", is_flag=True, help="Measure your samples and published posts again now.")
@click.option("--json", "as_json", is_flag=True, help="Print it as JSON.")
@pass_ctx
def voice_baseline(obj: Ctx, language: str, persona: str, refresh: bool, as_json: bool) -> None:
    """What voice match compares drafts with: your imported texts and published posts."""
    from psn_core.hub.database import Hub
    from psn_core.services.voice.baseline import BaselineView, rebuild_baseline, stored_baseline

    view: BaselineView | None
    with Hub.open(obj.settings) as h, h.transaction(obj.member_id) as conn:
        if refresh:
            view = rebuild_baseline(conn, obj.member_id, persona=persona, language=language)
        else:
            view = stored_baseline(conn, obj.member_id, persona=persona, language=language)
    if as_json:
        click.echo(view.model_dump_json(indent=2) if view is not None else "null")
        return
    if view is None:
        click.echo(f"No baseline for {persona}/{language} yet: run `psn voice import` (or --refresh).")
        return
    ready = "enough for voice match" if view.enough else "not enough for voice match yet"
    click.echo(
        f"Baseline {view.persona}/{view.language}: {view.samples} sample(s), {view.posts} published post(s), "
        f"{view.words} words ({ready})."
    )


@voice.command("suggestions")
@click.option("--accept", "accept_id", type=int, default=None, help="Apply suggestion ID to your profile file.")
@click.option("--dismiss", "dismiss_id", type=int, default=None, help="Dismiss suggestion ID for good.")
@click.option("--json", "as_json", is_flag=True, help="Print it as JSON (shape: README, Output).")
@pass_ctx
def voice_suggestions(obj: Ctx, accept_id: int | None, dismiss_id: int | None, as_json: bool) -> None:
    """Profile changes learned from your edits; nothing changes until you accept one."""
    from psn_core.hub.database import Hub
    from psn_core.services.voice.files import voices_dir
    from psn_core.services.voice.learning import accept_suggestion, dismiss_suggestion, list_suggestions

    if accept_id is not None and dismiss_id is not None:
        raise click.UsageError("Use --accept or --dismiss, not both.")
    settings = obj.settings
    with Hub.open(settings) as h, h.transaction(obj.member_id) as conn:
        if accept_id is not None:
            accepted = accept_suggestion(conn, voices_dir(obj.workspace), obj.member_id, accept_id)
            click.echo(f"Accepted #{accept_id}: {accepted.suggestion.kind} {accepted.suggestion.value!r}")
            click.echo(f"  saved {accepted.path}")
            return
        if dismiss_id is not None:
            dismissed = dismiss_suggestion(conn, obj.member_id, dismiss_id)
            click.echo(f"Dismissed #{dismiss_id}: {dismissed.kind} {dismissed.value!r}; psn won't propose it again.")
            return
        pending = list_suggestions(conn, obj.member_id)
    if as_json:
        from psn_core.cli import output

        output.print_json(pending)
        return
    if not pending:
        click.echo("No pending suggestions. psn proposes changes once an edit habit shows up in 3 or more drafts.")
        return
    from psn_core.cli import output

    rows = [
        [
            f"#{item.id}",
            f"{item.persona}/{item.language}",
            f"{item.kind}: {item.value}",
            str(item.evidence),
            item.reason,
        ]
        for item in pending
    ]
    output.print_table([("ID", {"no_wrap": True}), "PROFILE", "CHANGE", ("EDITS", {"justify": "right"}), "WHY"], rows)
    click.echo("Accept with `psn voice suggestions --accept ID`, or dismiss with --dismiss ID.")


@voice.command("report")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@pass_ctx
def voice_report_cmd(obj: Ctx, as_json: bool) -> None:
    """How much you still edit psn's drafts (edit-ratio trend), once 10 posts are recorded."""
    from psn_core.hub.database import Hub
    from psn_core.services.voice.report import voice_report

    settings = obj.settings
    with Hub.open(settings) as h, h.transaction(obj.member_id) as conn:
        report = voice_report(conn, obj.member_id, timezone=settings.timezone)
    if as_json:
        click.echo(report.model_dump_json(indent=2))
        return
    click.echo(f"Voice report: {report.summary}")
    if report.ready:
        click.echo(f"Edit ratio by week (weeks start Monday, {report.timezone}; 0% = posted as drafted):")
        for week in report.weeks:
            click.echo(f"  {week.week_start}  {week.mean_edit_ratio:6.0%}  ({week.edits} edits)")
        for trend in report.voices:
            click.echo(
                f"  {trend.persona}/{trend.language}: {trend.edits} edits, {trend.first_edit_ratio:.0%} at first, "
                f"{trend.recent_edit_ratio:.0%} lately ({trend.direction})"
            )
    click.echo(report.performance_note if report.performance is None else f"Performance: {report.performance}")


@voice.command("show")
@click.option("--persona", default="personal", show_default=True, help="Profile to show (file stem in voices/).")
@click.option("--json", "as_json", is_flag=True, help="Print it as JSON (shape: README, Output).")
@pass_ctx
def voice_show(obj: Ctx, persona: str, as_json: bool) -> None:
    """Summarise a voice profile; a broken file shows each problem with its field and line."""
    from psn_core.services.voice.files import describe_profile, voices_dir

    summary = describe_profile(voices_dir(obj.workspace), persona)
    if as_json:  # a broken profile too: its problems are in the JSON, and the exit code says 1
        from psn_core.cli import output

        output.print_json(summary)
        sys.exit(0 if summary.ok else 1)
    if not summary.ok:
        click.echo(f"{summary.path} has problems:", err=True)
        for problem in summary.problems:
            click.echo(f"  {problem.describe()}", err=True)
        sys.exit(1)
    assert summary.traits is not None
    t = summary.traits
    click.echo(f"{summary.name} ({summary.persona}) from {summary.path}")
    click.echo(
        f"  traits: formality {t.formality}, humor {t.humor}, assertiveness {t.assertiveness}, "
        f"technical depth {t.technical_depth}, controversy budget {t.controversy_budget}"
    )
    for lang in summary.languages:
        length = f"~{lang.target_words} words" if lang.target_words else "length not set"
        checked = "" if lang.naturalness_checked else " (no naturalness tells for this language)"
        click.echo(f"  {lang.code}: sentences {length}{checked}")
        if lang.vocabulary:
            click.echo(f"      vocabulary: {', '.join(lang.vocabulary)}")
        if lang.signature_phrases:
            click.echo(f"      signature phrases: {', '.join(lang.signature_phrases)}")
        if lang.never_use:
            click.echo(f"      never use: {', '.join(lang.never_use)}")
    click.echo(f"  platforms: {', '.join(summary.platforms) or 'none (psn defaults)'}")
    defaults = "plus psn's defaults" if summary.uses_default_anti_patterns else "psn's defaults off"
    click.echo(f"  anti-patterns: {summary.anti_patterns} of your own, {defaults}")
    if summary.guardrails_company:
        click.echo(f"  guardrails: {summary.guardrails_company}")
    if summary.other_profiles:
        click.echo(f"  other profiles: {', '.join(summary.other_profiles)} (use --persona)")


COMMANDS = (voice,)
