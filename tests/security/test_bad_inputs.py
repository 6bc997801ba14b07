"""L2 and L3: bad input is answered with what happened and "What to do", never a traceback, and nothing is
half-written: bytes that are not UTF-8 in arguments and files, NUL characters through MCP tool arguments,
a voice profile that is not UTF-8, a binary hub.env, and an image too large to decode (refused from its
header, before a single pixel is decoded)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from mcp.types import CallToolResult
from PIL import Image, ImageFile

from mcp_server.errors import psn_tool
from psn_core.config import Settings
from psn_core.errors import InvalidSetting, PostInvalid
from psn_core.media import probe_media, validate_media
from psn_core.services.posting.renderings import store_media
from psn_core.services.voice.files import load_persona_profile
from psn_core.voice.errors import VoiceProfileInvalid
from psn_core.workspace import set_env_values
from tests.support.cli_runner import clean_env

GARBAGE = b"PSN_TIMEZONE=\xff\xfe\x00\x01garbage\n\x89PNG\r\n\x1a\n\x00\x00"


def _psn(cwd: Path, *args: str | bytes, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "psn_core.cli", *args],
        cwd=cwd, env=clean_env(), input=stdin, capture_output=True, timeout=120, check=False,
    )  # fmt: skip


def _assert_clear_failure(done: subprocess.CompletedProcess[bytes]) -> str:
    err = done.stderr.decode("utf-8", "replace")
    assert done.returncode == 1, err
    assert "Traceback" not in err and "Traceback" not in done.stdout.decode("utf-8", "replace")
    assert "What to do:" in err
    return err


def test_post_text_that_is_not_utf8_gets_what_to_do_and_writes_nothing(tmp_path: Path) -> None:
    before = sorted(p.name for p in tmp_path.iterdir())
    done = _psn(tmp_path, "post", b"launch \xff\xfe day", "--to", "x", "--yes")
    err = _assert_clear_failure(done)
    assert "not valid UTF-8" in err and "Argument 2" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no workspace, hub or file created


def test_a_text_file_that_is_not_utf8_gets_what_to_do(tmp_path: Path) -> None:
    sample = tmp_path / "draft.txt"
    sample.write_bytes(b"Hello \xc3\x28 world")
    err = _assert_clear_failure(_psn(tmp_path, "voice", "check", str(sample)))
    assert "not valid UTF-8" in err and "draft.txt" in err
    err = _assert_clear_failure(_psn(tmp_path, "voice", "check", "-", stdin=b"bad \xff bytes"))
    assert "stdin" in err


def test_nul_bytes_in_mcp_tool_arguments_are_a_tool_error_before_anything_runs() -> None:
    calls: list[object] = []

    @psn_tool
    def save_draft(text: str, parts: list[str], options: dict[str, str]) -> str:
        """Save a draft."""
        calls.append(text)
        return "saved"

    for kwargs in (
        {"text": "hi\x00there", "parts": [], "options": {}},
        {"text": "ok", "parts": ["fine", "bad\x00"], "options": {}},
        {"text": "ok", "parts": [], "options": {"k": "\ud800"}},
    ):
        result = save_draft(**kwargs)  # type: ignore[arg-type]
        assert isinstance(result, CallToolResult) and result.is_error
        text = result.content[0].text  # type: ignore[union-attr]
        assert "What to do:" in text and ("NUL" in text or "UTF-8" in text)
    assert calls == []
    assert save_draft(text="fine", parts=["a"], options={"k": "v"}) == "saved"


def test_a_voice_profile_that_is_not_utf8_is_a_clear_profile_error(tmp_path: Path) -> None:
    voices = tmp_path / "voices"
    voices.mkdir()
    (voices / "personal.yaml").write_bytes(b"persona: personal\nname: \xff\xfe\xfd\n")
    with pytest.raises(VoiceProfileInvalid) as caught:
        load_persona_profile(voices, "personal")
    assert "UTF-8" in caught.value.message and caught.value.action


def test_a_binary_hub_env_gets_what_to_do_and_is_never_rewritten(tmp_path: Path) -> None:
    (tmp_path / "hub.env").write_bytes(GARBAGE)
    (tmp_path / ".psn").mkdir()
    with pytest.raises(InvalidSetting) as caught:
        Settings.load(tmp_path)
    assert "UTF-8" in caught.value.message and "hub.env" in caught.value.action
    with pytest.raises(InvalidSetting):
        set_env_values(tmp_path / "hub.env", {"PSN_TIMEZONE": "UTC"})
    assert (tmp_path / "hub.env").read_bytes() == GARBAGE
    err = _assert_clear_failure(_psn(tmp_path, "queue"))
    assert "hub.env" in err
    assert (tmp_path / "hub.env").read_bytes() == GARBAGE


@pytest.fixture
def huge_png(tmp_path: Path) -> Path:
    path = tmp_path / "huge.png"
    Image.new("1", (10000, 10000)).save(path)  # a small file that decodes to 100 megapixels
    return path


def test_a_huge_png_is_refused_from_its_header_without_decoding(
    huge_png: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_decoding(self: ImageFile.ImageFile) -> None:
        raise AssertionError("the image was decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    started = time.monotonic()
    probe = probe_media(huge_png)
    assert not probe.readable and probe.error is not None
    assert "10000x10000" in probe.error and "megapixels" in probe.error and "Resize" in probe.error
    with pytest.raises(PostInvalid) as caught:
        store_media(huge_png, tmp_path / "media")
    assert "megapixels" in caught.value.message and caught.value.action
    assert not (tmp_path / "media").exists() or not any((tmp_path / "media").iterdir())
    assert time.monotonic() - started < 1.0


def test_an_image_over_the_platforms_pixel_limit_is_measured_not_decoded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "big.png"
    Image.new("1", (7000, 6000)).save(path)  # 42 megapixels: over LinkedIn's 36,152,320

    def no_decoding(self: ImageFile.ImageFile) -> None:
        raise AssertionError("the image was decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    check = validate_media(path, "linkedin")
    assert not check.ok
    assert any("36,152,320 pixels" in p.message and "Resize it to" in p.message for p in check.problems)
