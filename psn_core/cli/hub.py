"""Looking after the workspace's machinery: `psn hub` (the database), `psn keys` (encryption at rest)
and `psn config show` (the effective settings, masked)."""

from __future__ import annotations

import click

from psn_core.cli.context import Ctx, pass_ctx

# --- config --------------------------------------------------------------------------------------


@click.group()
def config() -> None:
    """Show settings."""


@config.command("show")
@click.option("--json", "as_json", is_flag=True, help="Print it as JSON: {setting: value}, secrets masked.")
@pass_ctx
def config_show(obj: Ctx, as_json: bool) -> None:
    """Print the effective settings; every secret is masked to its last 4 characters."""
    from psn_core.cli import output
    from psn_core.config import masked_settings

    pairs = masked_settings(obj.settings)
    if as_json:
        output.print_json(dict(pairs))
        return
    output.print_table([("SETTING", {"style": "bold"}), ("VALUE", {"overflow": "fold"})], pairs)


# --- hub -----------------------------------------------------------------------------------------


@click.group()
def hub() -> None:
    """Start, stop, inspect and migrate the hub database."""


@hub.command("start")
@pass_ctx
def hub_start(obj: Ctx) -> None:
    """Start the embedded hub (no-op for a URL hub)."""
    from psn_core.hub.embedded import EmbeddedServer

    settings = obj.settings
    if not settings.uses_embedded_hub:
        click.echo("This workspace uses PSN_DATABASE_URL; there is no embedded server to start.")
        return
    from psn_core.cli import output

    with output.status("Starting the embedded hub"):
        status = EmbeddedServer(settings.embedded_dir, settings.embedded_backend).start()
    click.echo(f"Embedded hub running (pid {status.pid}, {status.backend} backend, socket in {status.socket_dir}).")


@hub.command("stop")
@pass_ctx
def hub_stop(obj: Ctx) -> None:
    """Stop the embedded hub cleanly."""
    from psn_core.hub.embedded import EmbeddedServer

    settings = obj.settings
    if not settings.uses_embedded_hub:
        click.echo("This workspace uses PSN_DATABASE_URL; there is no embedded server to stop.")
        return
    stopped = EmbeddedServer(settings.embedded_dir, settings.embedded_backend).stop()
    click.echo("Embedded hub stopped." if stopped else "Embedded hub was not running.")


@hub.command("status")
@pass_ctx
def hub_status(obj: Ctx) -> None:
    """Say where the hub is and whether it is running."""
    from psn_core.hub.embedded import EmbeddedServer
    from psn_core.services.setup import ping_hub

    settings = obj.settings
    if not settings.uses_embedded_hub:
        click.echo(f"URL hub {ping_hub(settings)}: reachable.")
        return
    status = EmbeddedServer(settings.embedded_dir, settings.embedded_backend).status()
    if status.running:
        click.echo(f"Embedded hub running: pid {status.pid}, data {status.data_dir}, {status.backend} backend.")
    else:
        state = "initialised" if status.initialized else "not created yet (run `psn init`)"
        click.echo(f"Embedded hub stopped ({state}); any psn command that needs it starts it.")


@hub.command("migrate")
@pass_ctx
def hub_migrate(obj: Ctx) -> None:
    """Apply pending migrations (as the owner role) and ensure the psn_app role."""
    from psn_core.hub.database import Hub
    from psn_core.services.setup import migrate_hub

    with Hub.open(obj.settings) as h:
        result = migrate_hub(obj.settings, h)
    click.echo(f"{result.hub}: " + (f"applied {', '.join(result.applied)}" if result.applied else "already current"))


# --- keys ----------------------------------------------------------------------------------------


@click.group()
def keys() -> None:
    """Encryption keys for secrets at rest."""


@keys.command("generate")
def keys_generate() -> None:
    """Print a new random key (base64) for PSN_MASTER_KEY. Nothing is stored."""
    from psn_core.crypto import encode_key, generate_key

    click.echo(encode_key(generate_key()))


@keys.command("rotate")
@pass_ctx
def keys_rotate(obj: Ctx) -> None:
    """Re-encrypt every stored token and secret under a new key."""
    from psn_core.hub.database import Hub
    from psn_core.hub.vault import rotate_keys

    with Hub.open(obj.settings) as h:
        report = rotate_keys(obj.settings, h)
    click.echo(f"Active key is now {report.new_key_id} ({report.source}); re-encrypted {report.total} value(s).")
    if report.retired_key_ids:
        where = "removed from the key file" if report.source == "file" else "no longer needed in PSN_OLD_MASTER_KEYS"
        click.echo(f"Old keys {where}: {', '.join(report.retired_key_ids)}")


COMMANDS = (hub, config, keys)
