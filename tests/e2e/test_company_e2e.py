"""A company hub end to end, as two people run it: the admin creates the company, connects its X account
and invites a contributor; the contributor joins and posts; the admin approves; the admin's real
`psn worker --company` process publishes it on time, once; an unapproved post expires and its author is
told. Every step is the real `psn` command against a real Postgres and the emulator."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from psn_core.emulator import Emulator
from psn_core.hub.database import connect
from tests.e2e.conftest import Databases, Workers, member_workspace, wait_for
from tests.support.cli_runner import clean_env, run_psn
from tests.support.hubs import PgServer
from tests.support.platform_env import approve

pytestmark = [pytest.mark.pg, pytest.mark.slow]


def _connect_company_x(ada: Path) -> str:
    proc = subprocess.Popen(
        [sys.executable, "-m", "psn_core.cli", "auth", "x", "--company", "acme", "--paste"],
        cwd=ada, env=clean_env(), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    first = proc.stdout.readline()
    url = ""
    while not url:
        line = proc.stdout.readline()
        assert line, "psn auth printed no URL"
        url = line.strip() if line.strip().startswith("http") else ""
    out, err = proc.communicate(approve(url) + "\n", timeout=60)
    assert proc.returncode == 0, err
    return first + out


def _at(seconds: int) -> str:
    return (datetime.now(UTC) + timedelta(seconds=seconds)).strftime("%Y-%m-%d %H:%M:%S")


def test_a_contributors_post_is_approved_and_published_by_the_admins_company_worker(
    tmp_path: Path, pg_server: PgServer, migrated_template: str, databases: Databases
) -> None:
    with Emulator() as emu:
        ada = member_workspace(tmp_path, "Ada", databases, migrated_template, emu)
        ann = member_workspace(tmp_path, "Ann", databases, migrated_template, emu)
        company_db = databases.new()

        created = run_psn(ada, "company", "create", "acme", "--display-name", "Acme",
                          "--database-url", pg_server.conninfo(company_db)).stdout  # fmt: skip
        assert "you are its admin" in created
        connected = _connect_company_x(ada)
        assert "Connecting X for Acme as Ada." in connected and "Connected X as @" in connected
        assert "psn worker --company acme" in connected
        status = run_psn(ada, "auth", "status", "--company", "acme").stdout
        assert re.search(r"^X @\S+ +active +expires ", status, re.MULTILINE), status

        invite = ("company", "invite", "acme", "--role", "contributor", "--note", "Ann")
        local_only = run_psn(ada, *invite, check=False)  # the test server is a unix socket: same machine only
        assert local_only.returncode == 1 and "--database-url" in local_only.stderr, local_only.stderr
        invited = run_psn(ada, *invite, "--this-machine").stdout
        join = re.search(r"--hub '([^']+)' --code (\S+)", invited)
        assert join is not None, invited
        joined = run_psn(ann, "company", "join", "acme", "--hub", join[1], "--code", join[2], "--your-name", "Ann")
        assert "Joined Acme as contributor" in joined.stdout
        refused = run_psn(ann, "auth", "x", "--company", "acme", "--paste", check=False)
        assert refused.returncode == 1 and "only admin can connect company accounts" in refused.stderr

        # Two posts by the contributor: one the admin approves, one nobody does.
        post = ("company", "post", "acme", "--yes", "--to", "x", "--at")
        late = run_psn(ann, *post, _at(20), "Nobody looks at this one")
        assert "Sent post" in late.stdout
        sent = run_psn(ann, *post, _at(45), "Our launch is live")
        assert "Posting as: Ann for Acme on X" in sent.stdout and "for approval" in sent.stdout
        post_ref = re.search(r"Sent post (\w{8})", sent.stdout)
        assert post_ref is not None
        assert "only admin or editor can review posts" in run_psn(ann, "approve", check=False).stderr

        listed = run_psn(ada, "approve").stdout
        assert "2 post(s) of Acme waiting for approval." in listed and 'by member "Ann"' in listed
        assert '"Our launch is live"' in listed
        shown = re.search(rf"\[{post_ref[1]}\] .* content ([0-9a-f]{{16}})", listed)
        assert shown is not None, listed
        approved = run_psn(ada, "approve", "--approve", post_ref[1], "--hash", shown[1])
        assert f"Approved post {post_ref[1]}" in approved.stdout and "Posting as: Ada for Acme on X" in approved.stdout

        workers = Workers(ada)
        try:
            worker = workers.start(2, "--company", "acme")
            x = emu.platform("x")

            def published() -> bool:
                return any(t.text == "Our launch is live" for t in x.tweets.values())  # type: ignore[attr-defined]

            assert wait_for(published, 90), workers.log.read_text()
            expired_note = "was not approved before its time"
            assert wait_for(lambda: expired_note in run_psn(ann, "notifications", "--company", "acme").stdout, 90)
            assert worker.poll() is None, workers.log.read_text()
        finally:
            workers.stop_all()

        texts = [t.text for t in x.tweets.values()]  # type: ignore[attr-defined]
        assert texts.count("Our launch is live") == 1 and "Nobody looks at this one" not in texts
        notes = run_psn(ann, "notifications", "--company", "acme").stdout
        assert f'Your company post {post_ref[1]} was approved by "Ada"' in notes
        with connect(pg_server.conninfo(company_db), timeout=10, label="company") as conn:
            rows = conn.execute(
                "SELECT t.status, t.published_at, t.due_at FROM post_targets t JOIN posts p ON p.id = t.post_id"
                " ORDER BY t.due_at"
            ).fetchall()
        assert [r["status"] for r in rows] == ["expired", "published"]
        assert rows[1]["published_at"] >= rows[1]["due_at"]  # never early
