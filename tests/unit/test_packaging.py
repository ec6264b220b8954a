"""requirements*.txt never contradict pyproject.toml, which is the source of truth."""

from __future__ import annotations

import tomllib

from app import PROJECT_ROOT


def requirement_lines(name: str) -> list[str]:
    lines = (PROJECT_ROOT / name).read_text().splitlines()
    return [line.split("#")[0].strip() for line in lines if line.strip() and not line.lstrip().startswith(("#", "-r"))]


def test_requirements_files_mirror_pyproject() -> None:
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]

    assert requirement_lines("requirements.txt") == project["dependencies"]
    assert requirement_lines("requirements-dev.txt") == [
        dependency.split("#")[0].strip() for dependency in project["optional-dependencies"]["dev"]
    ]


def test_no_synchronous_postgresql_driver_is_required() -> None:
    text = (PROJECT_ROOT / "pyproject.toml").read_text()

    assert "psycopg" not in text
