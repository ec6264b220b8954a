"""``.env`` files are read with python-dotenv's syntax (which pydantic-settings used), without importing it."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core.dotenv import parse_dotenv, read_dotenv
from app.core.errors import ConfigurationError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("A=1\nB=2", {"A": "1", "B": "2"}),
        ("  export   A = 1  \r\n", {"A": "1"}),
        (
            "# a comment\n\n#B=2\nA=1 # inline\nC=x#y\nD= # only a comment\nE=#value",
            {"A": "1", "C": "x#y", "D": "", "E": "#value"},
        ),
        ("A='s q # kept'\nB='it\\'s'", {"A": "s q # kept", "B": "it's"}),
        ('A="tab\\there \\"q\\" # kept"', {"A": 'tab\there "q" # kept'}),
        ('A="two\nlines"\nB=2', {"A": "two\nlines", "B": "2"}),
        ("A=a b  c  ", {"A": "a b  c"}),
        ("A=\"\"\nB=''\nC=", {"A": "", "B": "", "C": ""}),
        ("KEY_WITHOUT_VALUE\nB=1", {"KEY_WITHOUT_VALUE": None, "B": "1"}),
        ("'QUOTED KEY'=v", {"QUOTED KEY": "v"}),
        ("A=1\nA=2", {"A": "2"}),
    ],
)
def test_the_syntax_of_python_dotenv(text: str, expected: dict[str, str | None]) -> None:
    assert parse_dotenv(text) == expected


@pytest.mark.parametrize(
    "text",
    ["A='unterminated\nB=2", 'A="x" junk\nB=2', "=no key\nB=2", "exportA\nB=2"],
)
def test_a_line_that_cannot_be_read_is_skipped(text: str) -> None:
    assert parse_dotenv(text)["B"] == "2"
    assert "A" not in parse_dotenv(text)


def test_references_take_earlier_values_then_the_environment_then_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STOCKDATA_TEST_HOST", "db.internal")
    monkeypatch.setenv("STOCKDATA_TEST_EMPTY", "")
    monkeypatch.delenv("STOCKDATA_TEST_UNSET", raising=False)

    values = parse_dotenv(
        "USER=app\nURL=postgres://${USER}@${STOCKDATA_TEST_HOST}/db\n"
        "A=${STOCKDATA_TEST_UNSET:-fallback}\nB=${STOCKDATA_TEST_EMPTY:-fallback}\nC=${STOCKDATA_TEST_UNSET}$x"
    )

    assert values["URL"] == "postgres://app@db.internal/db"
    assert values["A"] == "fallback"
    assert values["B"] == ""
    assert values["C"] == "$x"


def test_read_dotenv_is_utf8_keeps_only_values_and_accepts_a_missing_file(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("NAME=株価\nFLAG\n", encoding="utf-8")

    assert read_dotenv(tmp_path / ".env") == {"NAME": "株価"}
    assert read_dotenv(tmp_path / "missing.env") == {}


def test_a_dotenv_that_is_not_utf8_is_a_configuration_error(tmp_path: Path) -> None:
    (tmp_path / ".env").write_bytes("DATABASE_URL=sqlite:///株価.db\n".encode("shift_jis"))

    with pytest.raises(ConfigurationError, match=r"\.env is not utf-8 \(byte 23\); save it as utf-8"):
        read_dotenv(tmp_path / ".env")
