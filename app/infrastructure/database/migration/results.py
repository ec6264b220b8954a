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
    audit: AuditRecord | None = None
    """The history row of an applied revision (``get_status`` fills it); ``None`` when there is none."""


@dataclass(frozen=True)
class Status:
    """Where the database stands against the revision scripts."""

    current: tuple[str, ...]
    heads: tuple[str, ...]
    revisions: tuple[RevisionInfo, ...]
    """Every revision, oldest first."""
    environment: str | None = None
    """What ``mark-environment`` recorded (e.g. ``"production"``), if anything."""

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
    notes: tuple[str, ...] = field(default_factory=tuple)
    """Things a person should know, e.g. checksums recorded for revisions applied before checksums existed."""


@dataclass(frozen=True)
class Difference:
    """One difference between the models and the database, in the words a developer would write."""

    kind: str
    """Alembic's operation name, e.g. ``add_column`` or ``modify_type``."""
    table: str | None
    description: str


@dataclass(frozen=True)
class AuditRecord:
    """The history row of one applied revision: the checksum of its script, and who applied it when."""

    revision: str
    checksum: str
    method: str
    """``"upgrade"``, ``"stamp"``, ``"adopt"`` (a legacy database adopted), or ``"backfill"`` (applied before
    checksums were recorded)."""
    applied_at: str | None
    """ISO 8601 in UTC; ``None`` for a backfilled row (the time is unknown)."""
    recorded_at: str
    """When the checksum was last recorded (later than ``applied_at`` after ``--accept-modified``)."""
    seconds: float | None
    app_version: str
    host: str


@dataclass(frozen=True)
class ChecksumMismatch:
    """An applied revision whose script changed or disappeared since it was applied."""

    revision: str
    problem: str
    """``"modified"`` or ``"missing"``."""
    message: str | None
    """The script's message, ``None`` when the script is missing."""
    recorded_checksum: str
    current_checksum: str | None
    applied: AuditRecord


@dataclass(frozen=True)
class Verification:
    """Applied revisions checked against their scripts."""

    checked: int
    mismatches: tuple[ChecksumMismatch, ...]
    unrecorded: tuple[str, ...]
    """Applied revisions with no checksum yet (applied before checksums existed); the next upgrade records them."""

    @property
    def ok(self) -> bool:
        """True when every recorded checksum matches its script."""
        return not self.mismatches


@dataclass(frozen=True)
class DataLoss:
    """One thing a downgrade destroys, with how much data is in it now."""

    kind: str
    """``"drop_table"``, ``"drop_column"`` or ``"delete_rows"``."""
    table: str
    column: str | None
    rows: int | None
    """Rows in the table (for a column: rows where it is not NULL); ``None`` when it does not exist now."""


@dataclass(frozen=True)
class Finding:
    """One operation of a run that the pre-flight found would destroy rows, or fail on (or not fit) the data."""

    revision: str
    path: str
    line: int
    """The line of the revision file that invokes the operation."""
    kind: str
    """``drop_table``, ``drop_column``, ``delete_rows``, ``narrow_type``, ``add_not_null``, ``add_required_column``,
    ``add_unique``, ``add_primary_key``, ``add_check`` or ``add_foreign_key``."""
    table: str
    columns: tuple[str, ...]
    action: str
    """What the operation does, in words: ``drops table notes``, ``narrows stocks.code VARCHAR(5) → VARCHAR(4)``."""
    rows: int | None
    """How many rows (duplicate groups for unique keys, non-null values for a dropped column) are hit; ``None``
    when the table is not in the database now."""
    unit: str
    """What ``rows`` counts: ``row``, ``non-null value``, ``duplicate group``, ``orphan row``…"""
    samples: tuple[str, ...] = ()
    """A few keys of the rows hit, e.g. ``id=3``."""
    destroys: bool = True
    """True when the operation loses the data; False when the database would refuse it (SQLite: keep data that
    does not fit)."""
    acknowledged: str | None = None
    """Why the loss is accepted: the reason of the revision's ``# migrate: destroys-data`` marker, or that the
    downgrade undoes what the same revision's upgrade created."""

    @property
    def refused(self) -> bool:
        """True when the operation hits rows and nothing acknowledges it."""
        return bool(self.rows) and self.acknowledged is None

    @property
    def summary(self) -> str:
        """``revision:line action (count, e.g. samples)``."""
        if self.rows is None:
            amount = "not in the database now"
        else:
            amount = f"{self.rows:,} {self.unit}{'' if self.rows == 1 else 's'}"
            amount += f", e.g. {', '.join(self.samples)}" if self.samples else ""
        return f"{self.revision}:{self.line} {self.action} ({amount})"


@dataclass(frozen=True)
class Preflight:
    """What a run would destroy or could not do with the data, worked out before it changes anything."""

    direction: str
    """``"upgrade"`` or ``"downgrade"``."""
    revisions: tuple[RevisionInfo, ...]
    """The revisions the run applies or undoes, in order."""
    findings: tuple[Finding, ...]
    sql: str
    notes: tuple[str, ...] = field(default_factory=tuple)
    """Limits of the analysis, e.g. a revision that could not run offline."""

    @property
    def refused(self) -> tuple[Finding, ...]:
        """The findings that stop the run."""
        return tuple(finding for finding in self.findings if finding.refused)


@dataclass(frozen=True)
class DowngradePreview:
    """What a downgrade would undo and destroy, and its SQL, worked out without changing anything."""

    revisions: tuple[RevisionInfo, ...]
    """The revisions undone, in order."""
    losses: tuple[DataLoss, ...]
    sql: str
    notes: tuple[str, ...] = field(default_factory=tuple)
    """Limits of the estimate, e.g. a revision whose downgrade could not be rendered offline."""
    findings: tuple[Finding, ...] = field(default_factory=tuple)
    """Every pre-flight finding, the losses included; those ``refused`` stop the downgrade, ``--yes`` or not."""


@dataclass(frozen=True)
class DatabaseEnvironment:
    """What kind of database this is, and the name a person types to confirm a guarded command."""

    environment: str | None
    database: str

    @property
    def is_production(self) -> bool:
        """True when the database is marked as production."""
        return self.environment == "production"


@dataclass(frozen=True)
class CheckResult:
    """What ``check`` found: where the database stands, how it differs from the models, which tables it skipped."""

    status: Status
    differences: tuple[Difference, ...]
    ignored_tables: tuple[str, ...]
    """Foreign tables: neither modelled nor created by a revision, so not compared."""
