"""Strategy tools: the user's content strategy (strategy.yaml: pillars, posts per week, preferred times,
languages, avoid-topics, locks). Reading is free; writing is only ever the user's explicit change."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from mcp.server import MCPServer
from mcp.server.mcpserver import Context
from pydantic import BaseModel, Field

from mcp_server.context import ServerContext
from mcp_server.errors import psn_tool
from mcp_server.gate import ask_user, client_can_ask
from mcp_server.schemas import PlatformName
from mcp_server.tools import read_only, writes
from psn_core.services import strategy as service
from psn_core.strategy.defaults import StrategySeed
from psn_core.strategy.errors import StrategyChangeInvalid, StrategyLocked
from psn_core.strategy.model import LanguageCode


class StrategyView(service.StrategyState):
    """The strategy in use, with each pillar's and language's share and the latest changes."""

    shares: dict[str, float] = Field(default_factory=dict, description="Each pillar's share of posts (sums to 1).")
    language_shares: dict[str, float] = Field(default_factory=dict, description="Each language's share of posts.")
    recent_changes: list[dict[str, Any]] = Field(default_factory=list, description="The latest changes, newest last.")


class FieldChange(BaseModel):
    """One field to set."""

    path: str = Field(
        description="The field: pillars, pillars.<name> (a whole pillar: {weight, description}), "
        "pillars.<name>.weight, pillars.<name>.description, frequency.<platform> (posts per week), "
        "times.<platform> (a list of {days, at}), languages.<code> (relative balance), or avoid_topics (a list)."
    )
    value: Any = Field(description="The new value; null removes the field (a pillar, a platform, a language).")


class StrategyUpdated(BaseModel):
    changes: list[service.StrategyChange] = Field(description="What changed, field by field.")
    strategy: StrategyView = Field(description="The strategy after the changes.")


def _view(ctx: ServerContext) -> StrategyView:
    state = service.strategy_state(ctx.workspace)
    current = state.strategy
    return StrategyView(
        **state.model_dump(),
        shares=current.shares() if current is not None else {},
        language_shares=current.language_shares() if current is not None else {},
        recent_changes=service.recent_changes(ctx.workspace, 5),
    )


def register(server: MCPServer, ctx: ServerContext) -> None:
    @server.tool(annotations=read_only("Content strategy"))
    @psn_tool
    def get_strategy() -> StrategyView:
        """The user's content strategy: pillars with their shares, posts per week per platform, preferred times
        (wall clock in the user's zone), languages and their balance, topics to avoid, and locked fields. When
        strategy.yaml is broken, psn uses its last valid version: tell the user the warning (it names the line)."""
        return _view(ctx)

    @server.tool(annotations=writes("Create the content strategy", destructive=True, idempotent=False))
    @psn_tool
    def init_strategy(
        talks_like: Annotated[
            Literal["friends", "between", "work"] | None,
            Field(description="How the user posts (the voice onboarding answer); null: from their voice profile."),
        ] = None,
        languages: Annotated[
            list[LanguageCode] | None,
            Field(description="Posting languages, main one first (en, es ...); null: from their voice profile."),
        ] = None,
        platforms: Annotated[
            list[PlatformName] | None,
            Field(description="Only these platforms (e.g. the connected ones); null for psn's pick."),
        ] = None,
        replace: Annotated[bool, Field(description="Overwrite an existing strategy.yaml. Ask the user first.")] = False,
    ) -> service.StrategyWritten:
        """Write strategy.yaml with defaults from the voice onboarding answers (how the user talks, their
        languages): three pillars, posts per week, preferred times. Offer it after init_voice_profile, then
        help the user rename the pillars to their own themes with update_strategy. Refuses to overwrite an
        existing strategy unless replace is true."""
        seed = None
        if talks_like or languages or platforms:
            base, _ = service.seed_from_voice(ctx.workspace)
            seed = StrategySeed(
                talks_like=talks_like or base.talks_like,
                languages=languages or base.languages,
                platforms=platforms,
            )
        return service.init_strategy(ctx.workspace, seed, force=replace)

    @server.tool(annotations=writes("Change the content strategy", destructive=True, idempotent=True))
    @psn_tool
    def update_strategy(
        call: Context[Any, Any],
        changes: Annotated[
            list[FieldChange],
            Field(description="The fields to set, as the user asked, in order (empty when only locking)."),
        ],
        reason: Annotated[
            str, Field(min_length=1, description="The user's own words asking for the change (kept in the log).")
        ],
        unlock: Annotated[
            list[str],
            Field(
                description="Locked fields to unlock for this change (as written in `locked:`); psn asks the "
                "user itself before unlocking. Only after the user said they want the field changed anyway."
            ),
        ] = [],  # noqa: B006 - pydantic copies defaults
        lock: Annotated[
            list[str], Field(description="Fields the user wants locked afterwards (psn's tuning leaves them alone).")
        ] = [],  # noqa: B006
    ) -> StrategyUpdated:
        """Change strategy.yaml as the user asked (only then): set pillars, weights, posts per week, times,
        languages or topics to avoid. Comments and everything else in the file stay as they are. A locked
        field is refused: ask the user whether to unlock it, and only then call again with unlock (psn then asks
        the user to confirm the unlock). All the changes are written together, or none."""
        pairs = [(change.path, change.value) for change in changes]
        if unlock:
            _user_unlocks(call, ctx, unlock, pairs)
        done = service.apply_changes(ctx.workspace, pairs, reason, actor="user", unlock=unlock, lock=lock)
        return StrategyUpdated(changes=done, strategy=_view(ctx))


def _user_unlocks(call: Context[Any, Any], ctx: ServerContext, unlock: list[str], pairs: list[tuple[str, Any]]) -> None:
    """Only the user lifts a lock: asked here, by psn, not by the model (the model cannot answer it).

    Raises:
        StrategyChangeInvalid: a name in ``unlock`` is not locked (nothing to ask).
        StrategyLocked: the user said no, did not answer, or cannot be asked by this client.
    """
    current = service.load_strategy(ctx.workspace)
    not_locked = [item for item in unlock if current is None or item not in current.locked]
    if not_locked:
        raise StrategyChangeInvalid(f"{', '.join(not_locked)} is not locked in strategy.yaml.")
    locks = ", ".join(unlock)
    by_hand = f"Unlock it by hand: remove {locks} from `locked:` in strategy.yaml, then change it."
    if not client_can_ask(call):
        raise StrategyLocked(f"Unlocking {locks} needs the user's own answer, and this client cannot ask.", by_hand)
    wanted = "; ".join(f"{path} = {value!r}" if value is not None else f"remove {path}" for path, value in pairs)
    message = f"Unlock {locks} in strategy.yaml (psn's automatic tuning leaves locked fields alone) and set: {wanted}?"
    answer = ask_user(call, message)
    if answer != "yes":
        said = "said no" if answer == "no" else "did not answer"
        raise StrategyLocked(f"The user {said} to unlocking {locks}; nothing changed.", by_hand)
