"""Load and save voice profiles (voices/*.yaml) without losing what the author wrote.

Loading names the field and the line of every problem. Saving is atomic (temp file + os.replace,
file mode kept), keeps the author's key order, unknown keys, comments, quoting and list styles (an
existing file is rewritten through ruamel.yaml's round trip: only changed values change), and does
not pad the file with defaults the author never wrote.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from psn_core.voice.errors import VoiceProfileInvalid, VoiceProfileNotFound
from psn_core.voice.profile import VoiceProfile
from psn_core.voice.roundtrip import update_yaml_text
from psn_core.voice.yamlio import dump_yaml, read_yaml_text, validate_yaml, write_atomic

# Always written, even when equal to the default, so a file says what it is.
_ALWAYS_WRITTEN = ("version", "name", "persona")


def parse_profile(text: str, source: str = "<profile>") -> VoiceProfile:
    """Validate profile YAML text.

    Raises:
        VoiceProfileInvalid: bad YAML or a bad field; the message names the field and line.
    """
    profile, raw = validate_yaml(VoiceProfile, text, source)
    profile._source = raw if isinstance(raw, dict) else None
    return profile


def load_profile(path: Path | str) -> VoiceProfile:
    """Load a profile file.

    Raises:
        VoiceProfileNotFound: no file at ``path``.
        VoiceProfileInvalid: bad YAML or a bad field; the message names the field and line.
    """
    path = Path(path)
    try:
        text = read_yaml_text(path)
    except FileNotFoundError as exc:
        raise VoiceProfileNotFound(f"No voice profile at {path}.") from exc
    return parse_profile(text, str(path))


def _merge(full: object, nondefault: object, raw: object) -> object:
    """Combine three views of the same value into what gets written.

    ``full`` is the complete dump, ``nondefault`` the dump without defaults, ``raw`` what the
    file had. Keys come in the file's order first; keys the file lacked are added only when they
    differ from the default.
    """
    if isinstance(full, dict):
        raw_map = raw if isinstance(raw, dict) else {}
        nd_map = nondefault if isinstance(nondefault, dict) else {}
        out: dict[str, object] = {}
        for key in raw_map:
            if key in full:
                out[key] = _merge(full[key], nd_map.get(key), raw_map[key])
        for key, value in full.items():
            if key not in out and key in nd_map:
                out[key] = _merge(value, nd_map[key], None)
        return out
    if isinstance(full, list):
        raw_list = raw if isinstance(raw, list) else []
        nd_list = nondefault if isinstance(nondefault, list) and len(nondefault) == len(full) else full
        return [_merge(item, nd_list[i], raw_list[i] if i < len(raw_list) else None) for i, item in enumerate(full)]
    return full


def _template_for(profile: VoiceProfile, path: Path | None) -> dict[str, object] | None:
    """Key order to follow: the file being replaced if it still parses, else the loaded source."""
    if path is not None and path.exists():
        try:
            data = yaml.safe_load(read_yaml_text(path))
        except (yaml.YAMLError, VoiceProfileInvalid):
            data = None
        if isinstance(data, dict):
            return data
    return profile._source


def _profile_data(profile: VoiceProfile, template: dict[str, object] | None) -> dict[str, object]:
    raw = template if template is not None else profile._source
    full = profile.model_dump(mode="json")
    nondefault = profile.model_dump(mode="json", exclude_defaults=True)
    merged = _merge(full, nondefault, raw)
    assert isinstance(merged, dict)
    if raw is None:
        head = {key: full[key] for key in _ALWAYS_WRITTEN}
        merged = {**head, **{k: v for k, v in merged.items() if k not in head}}
    return merged


def profile_to_yaml(profile: VoiceProfile, template: dict[str, object] | None = None) -> str:
    """Serialise a profile, following ``template``'s key order (defaults to the loaded source)."""
    return dump_yaml(_profile_data(profile, template))


def _existing_text(path: Path) -> str | None:
    try:
        return read_yaml_text(path)
    except (OSError, VoiceProfileInvalid):
        return None


def save_profile(profile: VoiceProfile, path: Path | str) -> None:
    """Write ``profile`` to ``path`` atomically, keeping comments, key order, styles, unknown keys and the file mode.

    Raises:
        VoiceProfileInvalid: the profile no longer validates (checked before anything is written).
        OSError: the folder is not writable.
    """
    path = Path(path)
    data = _profile_data(profile, _template_for(profile, path))
    existing = _existing_text(path) if path.exists() else None
    text = None
    if existing is not None:
        try:
            text = update_yaml_text(existing, data)
        except ValueError:
            text = None  # not a mapping (or not YAML): written afresh, as before
        if text is not None and yaml.safe_load(text) != data:
            text = None  # the round trip would not say exactly what the profile holds: never write that
    if text is None:
        text = dump_yaml(data)
    # Re-validate what we are about to write so a bad in-memory edit never reaches the disk.
    reloaded = parse_profile(text, str(path))
    write_atomic(path, text)
    profile._source = reloaded._source


def list_profiles(folder: Path | str) -> list[Path]:
    """Profile files in ``folder`` (``*.yaml``), sorted by name; examples included."""
    return sorted(Path(folder).glob("*.yaml"))


__all__ = [
    "VoiceProfileInvalid",
    "list_profiles",
    "load_profile",
    "parse_profile",
    "profile_to_yaml",
    "save_profile",
]
