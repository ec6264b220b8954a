"""Typed values the migration API returns; the CLI renders them, scripts read them as JSON."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class RevisionInfo:
    """One revision script, and whether the database has applied it."""

    revision: str
    down_revisions: tuple[str, ...]
    message: str
    create_date: str | None
    is_head: bool
    applied: bool | None = None
    """``None`` when the database was not consulted."""


@dataclass(frozen=True)
class Status:
    """Where the database stands against the revision scripts."""

    current: tuple[str, ...]
    heads: tuple[str, ...]
    revisions: tuple[RevisionInfo, ...]
    """Every revision, oldest first."""

    @property
    def pending(self) -> tuple[RevisionInfo, ...]:
        """Revisions not yet applied, oldest first."""
        return tuple(info for info in self.revisions if info.applied is False)

    @property
    def is_up_to_date(self) -> bool:
        """True when the database is at every head."""
        return set(self.current) == set(self.heads)


@dataclass(frozen=True)
class MigrationStep:
    """One revision applied or undone during a run."""

    revision: str
    message: str
    direction: str
    """``"upgrade"`` or ``"downgrade"``."""
    seconds: float


@dataclass(frozen=True)
class AdoptedTable:
    """How adoption found one table of the initial revision."""

    table: str
    found: str
    """The known shape it matches (``legacy 001``, ``create_all()``, ``initial revision``), or ``missing``."""
    source: str
    """Where that shape is defined: the archived scripts, or the initial revision."""
    notes: tuple[str, ...] = ()
    """Harmless differences from that shape (comments, spellings, names), which adoption repairs."""


@dataclass(frozen=True)
class Adoption:
    """What adoption found in a database without a revision, and what it did or would do."""

    state: str
    """``legacy`` (tables to adopt), ``empty`` (none of the application's tables) or ``versioned`` (has a revision)."""
    revision: str | None
    """The revision a legacy database is stamped with (the initial one)."""
    current: tuple[str, ...] = ()
    """The revision(s) a versioned database was already at."""
    tables: tuple[AdoptedTable, ...] = ()
    statements: tuple[str, ...] = ()
    """The SQL run (or, in a dry run, to run) in one transaction before stamping."""
    foreign_tables: tuple[str, ...] = ()
    """Tables the application does not model: listed, never touched."""
    applied: bool = False
    """True when the statements ran and the revision was stamped."""

    @property
    def heads(self) -> tuple[str, ...]:
        """The revision(s) the database is at afterwards."""
        if self.applied and self.revision is not None:
            return (self.revision,)
        return self.current


@dataclass(frozen=True)
class RunResult:
    """What an upgrade, downgrade or stamp did."""

    command: str
    from_revisions: tuple[str, ...]
    to_revisions: tuple[str, ...]
    steps: tuple[MigrationStep, ...] = field(default_factory=tuple)
    seconds: float = 0.0
    adoption: Adoption | None = None
    """Set when an upgrade first adopted a legacy database."""


@dataclass(frozen=True)
class Difference:
    """One difference between the models and the database, in the words a developer would write."""

    kind: str
    """Alembic's operation name, e.g. ``add_column`` or ``modify_type``."""
    table: str | None
    description: str
