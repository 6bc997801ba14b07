"""Trim X's OpenAPI contract (xdevplatform/xdk specs/openapi.json) to the operations psn uses.

    uv run python scripts/trim_x_openapi.py ../shared/fidelity-data/xdk/openapi.json

writes the same trimmed copy to psn_core/emulator/data/x_openapi.json (the emulator validates every X
request against it) and tests/data/fidelity/xdk/openapi.json (the conformance test's copy). Kept: the
path items below, whole, and every component they reference. One addition, marked with
``x-psn-source``: the wire parameter ``tweet.fields``, copied verbatim from the spec's own
``GET /2/tweets/search/stream``. The spec names the same parameter ``post.fields`` in
``components/parameters/PostFieldsParameter`` (the SDK's name); the API and its documentation
(https://docs.x.com/x-api/fundamentals/fields) use ``tweet.fields``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

PATHS = (
    "/2/tweets",
    "/2/tweets/{id}",
    "/2/users/me",
    "/2/users/{id}/tweets",
    "/2/users/{id}/mentions",
    "/2/tweets/search/recent",
    "/2/media/upload",
    "/2/media/upload/initialize",
    "/2/media/upload/{id}/append",
    "/2/media/upload/{id}/finalize",
)
WIRE_SOURCE = ("/2/tweets/search/stream", "get")
ROOT = Path(__file__).resolve().parent.parent
TARGETS = (ROOT / "psn_core/emulator/data/x_openapi.json", ROOT / "tests/data/fidelity/xdk/openapi.json")


def _refs(node: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/"):
            found.add(ref)
        for value in node.values():
            found |= _refs(value)
    elif isinstance(node, list):
        for value in node:
            found |= _refs(value)
    return found


def trim(spec: dict[str, Any]) -> dict[str, Any]:
    paths = {path: spec["paths"][path] for path in PATHS}
    wire = next(
        p for p in spec["paths"][WIRE_SOURCE[0]][WIRE_SOURCE[1]]["parameters"] if p.get("name") == "tweet.fields"
    )
    components: dict[str, dict[str, Any]] = {"securitySchemes": spec["components"]["securitySchemes"]}
    pending = _refs(paths)
    seen: set[str] = set()
    while pending:
        ref = pending.pop()
        if ref in seen:
            continue
        seen.add(ref)
        _, _, section, name = ref.split("/", 3)
        value = spec["components"][section][name]
        components.setdefault(section, {})[name] = value
        pending |= _refs(value) - seen
    components.setdefault("parameters", {})["TweetFieldsParameter"] = {
        **wire,
        "x-psn-source": f"{WIRE_SOURCE[1].upper()} {WIRE_SOURCE[0]} (the wire name of PostFieldsParameter)",
    }
    for section in components.values():
        for name in sorted(section):
            section[name] = section.pop(name)
    return {
        "openapi": spec["openapi"],
        "info": spec["info"],
        "servers": spec.get("servers", []),
        "x-psn-trimmed": {
            "source": "https://github.com/xdevplatform/xdk specs/openapi.json",
            "licence": "MIT, Copyright (c) 2024 XDK Project (see LICENSE beside the test copy)",
            "paths": list(PATHS),
        },
        "paths": paths,
        "components": components,
    }


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    spec = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
    text = json.dumps(trim(spec), indent=1, ensure_ascii=False) + "\n"
    for target in TARGETS:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        print(f"wrote {target.relative_to(ROOT)} ({len(text)} characters)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
