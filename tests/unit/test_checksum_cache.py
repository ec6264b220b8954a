"""The checksum cache: a file's checksum is computed once per content, kept between runs, and never trusted blindly
for a file whose bytes changed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.infrastructure.database.migration.guard import checksums

SCRIPT = 'revision = "abc"\n\n\ndef upgrade() -> None:\n    op.drop_table("t")\n'


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty cache folder of this test's own, and no cache loaded yet."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(checksums, "_loaded", [])
    return tmp_path / "cache"


def _next_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """What a process exiting and the next one starting do: save the cache, forget it."""
    checksums.save_cache()
    monkeypatch.setattr(checksums, "_loaded", [])


def test_a_checksum_is_kept_for_the_next_run_and_read_from_there(
    cache_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script = tmp_path / "revision.py"
    script.write_text(SCRIPT)
    computed = checksums.file_checksum(script)
    _next_run(monkeypatch)

    kept = json.loads(checksums.cache_file().read_text())["checksums"]
    assert list(kept.values()) == [computed] == [checksums.source_checksum(SCRIPT)]
    # The next run takes the cached value without computing it: a planted value shows it was read.
    checksums.cache_file().write_text(json.dumps({"format": 1, "checksums": dict.fromkeys(kept, "f" * 64)}))
    monkeypatch.setattr(checksums, "_loaded", [])
    assert checksums.file_checksum(script) == "f" * 64


def test_an_edited_file_is_computed_again(cache_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    script = tmp_path / "revision.py"
    script.write_text(SCRIPT)
    before = checksums.file_checksum(script)
    _next_run(monkeypatch)

    script.write_text(SCRIPT.replace('"t"', '"other"'))

    assert checksums.file_checksum(script) == checksums.source_checksum(script.read_text()) != before


def test_windows_line_endings_have_the_checksum_of_the_text(cache_home: Path, tmp_path: Path) -> None:
    script = tmp_path / "revision.py"
    script.write_bytes(SCRIPT.replace("\n", "\r\n").encode())

    assert checksums.file_checksum(script) == checksums.source_checksum(SCRIPT)


@pytest.mark.parametrize("damage", ["{not json", '{"format": 99, "checksums": {}}', '["a list"]'])
def test_a_damaged_cache_is_ignored_and_replaced(
    cache_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: str
) -> None:
    checksums.cache_file().parent.mkdir(parents=True)
    checksums.cache_file().write_text(damage)
    script = tmp_path / "revision.py"
    script.write_text(SCRIPT)

    assert checksums.file_checksum(script) == checksums.source_checksum(SCRIPT)
    _next_run(monkeypatch)
    assert json.loads(checksums.cache_file().read_text())["format"] == 1


def test_a_cache_folder_that_cannot_be_written_changes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder would be")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    monkeypatch.setattr(checksums, "_loaded", [])
    script = tmp_path / "revision.py"
    script.write_text(SCRIPT)

    assert checksums.file_checksum(script) == checksums.source_checksum(SCRIPT)
    checksums.save_cache()  # raises nothing
    assert blocked.read_text() == "a file where the cache folder would be"
