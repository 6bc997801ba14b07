"""Regenerate psn_core/platforms/data/tlds.txt from the vendored twitter-text tld_lib.yml.

Run from the repository root: `uv run python scripts/regenerate_x_tlds.py`. The list must equal
tests/data/fidelity/twitter-text/tld_lib.yml (tests/unit/test_x_text_conformance.py checks it): to follow a
newer twitter-text, vendor its tld_lib.yml there first, then run this.
"""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "tests" / "data" / "fidelity" / "twitter-text" / "tld_lib.yml"
TARGET = ROOT / "psn_core" / "platforms" / "data" / "tlds.txt"
HEADER = """\
# Top-level domains X turns into links: twitter-text's conformance/tld_lib.yml (the IANA root zone),
# one section per kind, in its order. Generated, do not edit: vendor a newer tld_lib.yml into
# tests/data/fidelity/twitter-text/ and run `uv run python scripts/regenerate_x_tlds.py`.
"""


def render(sections: dict[str, list[str]]) -> str:
    lines = [HEADER.rstrip("\n")]
    for kind in ("country", "generic"):
        lines.append(f"[{kind}]")
        lines.extend(str(tld) for tld in sections[kind])
    return "\n".join(lines) + "\n"


def main() -> None:
    sections = yaml.safe_load(SOURCE.read_text(encoding="utf-8"))
    if set(sections) != {"country", "generic"}:
        raise SystemExit(f"unexpected sections in {SOURCE}: {sorted(sections)}")
    TARGET.write_text(render(sections), encoding="utf-8")
    print(f"{TARGET.relative_to(ROOT)}: {len(sections['country'])} country, {len(sections['generic'])} generic")


if __name__ == "__main__":
    main()
