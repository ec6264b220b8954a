"""Twenty-three schema changes taken from real, public projects' Alembic histories, replayed cumulatively.

Each step re-expresses one real revision (its source is recorded beside it: repository, file, commit) as small
``sa.Table`` models on the project's naming convention; ``schema(k)`` is the whole schema after step ``k``, so the
states cannot drift apart. The projects are unrelated to this application, so the corpus tests generality:

- RedHatInsights/insights-host-inventory (hosts, groups, staleness)
- pypi/warehouse (malware checks, IP addresses, project events, organization applications)
- mlflow/mlflow (experiments)
- hasgeek/funnel (a narrowed column)

Deviations forced by running on both PostgreSQL 15 and SQLite with generated rows: PostgreSQL's UUID / INET /
CITEXT become ``sa.Uuid`` / ``String`` / ``Text``; ``gen_random_uuid()`` defaults are dropped (the rows bring their
ids); ``now()`` becomes ``CURRENT_TIMESTAMP``; naive timestamps become timezone-aware; comments are Japanese
re-wordings of the originals; columns that do not matter to a step are left out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy import MetaData
from sqlalchemy.dialects import postgresql

from app.infrastructure.database.connection import NAMING_CONVENTION

HI = "RedHatInsights/insights-host-inventory migrations/versions"
WH = "pypi/warehouse warehouse/migrations/versions"
ML = "mlflow/mlflow"
NOW = sa.text("CURRENT_TIMESTAMP")


def _json() -> sa.types.TypeEngine[object]:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _tz() -> sa.DateTime:
    return sa.DateTime(timezone=True)


@dataclass(frozen=True)
class Step:
    """One real schema change and what replaying it on populated tables must do."""

    number: int
    name: str
    source: str
    """``owner/repo path @ commit`` of the real revision."""
    outcome: str = "applies"
    """``applies``; ``destroys`` (the pre-flight must refuse it until acknowledged); ``unfit`` (the pre-flight must
    refuse it until the data is fixed by ``fix_data``, as the real project did first)."""
    fix_data: tuple[str, ...] = ()
    """Portable SQL a team runs before retrying an ``unfit`` step."""
    rename: bool = False
    """Autogenerate sees a drop + create: the step is generated with the rename accepted (``--interactive``)."""
    postgres_only: bool = False
    """It changes what only PostgreSQL has (an ENUM type's values): on SQLite there is nothing to generate."""
    down_refused: bool = False
    """Its downgrade cannot give back what the upgrade removed (a NOT NULL column without values), so the
    pre-flight must refuse it on populated tables."""
    categories: tuple[str, ...] = field(default=())

    def schema(self) -> MetaData:
        """Every table as it is after this step."""
        return schema(self.number)


def _hosts(metadata: MetaData, k: int) -> None:
    if k > 8:  # 2bd02d50876e drops the old hosts tables
        return
    columns = [
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("account", sa.String(10)),
        sa.Column("display_name", sa.String(200)),
        sa.Column("created_on", _tz()),
        sa.Column("modified_on", _tz()),
        sa.Column("facts", _json()),
        sa.Column("canonical_facts", _json()),
    ]
    if k >= 3:  # b48ad9e4c8c5 adds hosts.groups; 2e3c52165bf0 makes it NOT NULL
        columns.append(sa.Column("groups", _json(), nullable=k < 4))
    hosts = sa.Table("hosts", metadata, *columns)
    if k >= 5:  # 7c97d8464b6b: a btree and a GIN index
        sa.Index("idxdisplay_name", hosts.c.display_name)
        sa.Index("idxgroups", hosts.c.groups, postgresql_using="gin")


def _groups(metadata: MetaData, k: int) -> None:
    if k < 2:
        return
    sa.Table(
        "groups",
        metadata,
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("org_id", sa.String(36), nullable=False),
        sa.Column("account", sa.String(10)),
        sa.Column("name", sa.String(255 if k < 23 else 63), nullable=False),  # funnel 530c22761e27 narrows it
        sa.Column("created_on", _tz(), nullable=False),
        sa.Column("modified_on", _tz(), nullable=False),
        sa.UniqueConstraint("org_id", "name"),
        sa.Index("idxgrouporgid", "org_id"),
    )
    if 2 <= k <= 8:  # ada40da60e4e: composite key, unique indexes on exactly the key's columns
        link = sa.Table(
            "hosts_groups",
            metadata,
            sa.Column("group_id", sa.Uuid(), sa.ForeignKey("groups.id"), primary_key=True),
            sa.Column("host_id", sa.Uuid(), sa.ForeignKey("hosts.id"), primary_key=True),
        )
        sa.Index("idxhostsgroups", link.c.host_id, link.c.group_id, unique=True)
        sa.Index("idxgroupshosts", link.c.group_id, link.c.host_id, unique=True)


def _staleness(metadata: MetaData, k: int) -> None:
    if k < 6:
        return
    columns = [
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("org_id", sa.String(36), nullable=False, unique=True),
        sa.Column("account", sa.String(10)),
        sa.Column("conventional_staleness_delta", sa.String(36), nullable=False),
        sa.Column("conventional_culling_delta", sa.String(36), nullable=False),
    ]
    if k < 8:  # ad19e988bec3 drops the immutable_* columns
        columns += [
            sa.Column("immutable_staleness_delta", sa.String(36), nullable=False),
            sa.Column("immutable_culling_delta", sa.String(36), nullable=False),
        ]
    columns += [sa.Column("created_on", _tz(), nullable=False), sa.Column("modified_on", _tz(), nullable=False)]
    # f8c3af70df12 replaces account_staleness_culling by the same table named staleness.
    table = sa.Table("account_staleness_culling" if k == 6 else "staleness", metadata, *columns)
    sa.Index("idxaccstaleorgid", table.c.org_id)


def _malware_checks(metadata: MetaData, k: int) -> None:
    if k != 10:  # 061ff3d24c22 creates it, ab536b1853f0 drops it (with the last use of its two enums)
        return
    sa.Table(
        "malware_checks",
        metadata,
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("short_description", sa.String(128), nullable=False),
        sa.Column("check_type", sa.Enum("event_hook", "scheduled", name="malwarechecktypes"), nullable=False),
        sa.Column("schedule", _json()),
        sa.Column(
            "state",
            sa.Enum("enabled", "evaluation", "disabled", "wiped_out", name="malwarecheckstate"),
            server_default="disabled",
            nullable=False,
        ),
        sa.Column("created", _tz(), server_default=NOW, nullable=False),
        sa.UniqueConstraint("name", "version"),
    )


def _ip_addresses(metadata: MetaData, k: int) -> None:
    if k < 12:  # 2ee4c188adc2
        return
    said = k >= 13  # 6073f65a2767 comments every column and the table

    def comment(text: str) -> str | None:
        return text if said else None

    reasons = ["authentication-attempts", *(["administrative"] if k >= 15 else [])]  # 31ac9b5e1e8b
    columns = [
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("ip_address", sa.String(45), nullable=False, unique=True, comment=comment("IP アドレスの値")),
        sa.Column(
            "is_banned",
            sa.Boolean(),
            server_default=sa.false(),
            nullable=False,
            comment=comment("True ならこの IP アドレスは禁止済み"),
        ),
        sa.Column("ban_reason", sa.Enum(*reasons, name="banreason"), comment=comment("禁止理由")),
        sa.Column("ban_date", _tz(), comment=comment("最後に禁止された日時")),
    ]
    if k >= 13:
        columns += [
            sa.Column("hashed_ip_address", sa.Text(), unique=True, comment="IP アドレスのハッシュ値"),
            sa.Column("geoip_info", _json(), comment="GeoIP 情報 (JSON)"),
        ]
    checks = []
    if k >= 14:  # ef0a77c48089
        checks.append(
            sa.CheckConstraint(
                "(is_banned AND ban_reason IS NOT NULL AND ban_date IS NOT NULL)"
                " OR (NOT is_banned AND ban_reason IS NULL AND ban_date IS NULL)",
                name="ip_addresses_ban_constraints",
            )
        )
    table = sa.Table(
        "ip_addresses", metadata, *columns, *checks, comment=comment("PyPI の状態を変えた IP アドレスの記録")
    )
    sa.Index("bans_idx", table.c.is_banned)


def _project_events(metadata: MetaData, k: int) -> None:
    if k < 16:  # 0ac2f506ef2e
        return
    columns = [
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("tag", sa.String(255), nullable=False),
        sa.Column("time", _tz(), server_default=NOW, nullable=False),
        sa.Column("ip_address", sa.String(45), nullable=False),
        sa.Column("additional", _json()),
    ]
    if k >= 17:  # f7d91bbfd59e
        target = sa.ForeignKey("ip_addresses.id", onupdate="CASCADE", ondelete="CASCADE")
        columns.append(sa.Column("ip_address_id", sa.Uuid(), target))
    sa.Table("project_events", metadata, *columns)


def _organization_applications(metadata: MetaData, k: int) -> None:
    if k < 18:  # 5dcbd2bc748f; e1b0e2c4a1e6 replaces is_approved by a status enum
        return
    kind = sa.Enum("Community", "Company", name="organizationtype")
    columns = [
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("name", sa.Text(), nullable=False, comment="URL に使うアカウント名"),
        sa.Column("display_name", sa.Text(), nullable=False, comment="画面に表示する名前"),
        sa.Column("orgtype", kind, nullable=False, comment="組織の種類"),
        *([sa.Column("is_approved", sa.Boolean(), comment="承認状態")] if k < 19 else []),
        sa.Column("submitted", _tz(), server_default=NOW, nullable=False, comment="提出日時"),
    ]
    if k >= 19:
        status = sa.Enum(
            "submitted",
            "declined",
            "deferred",
            "moreinformationneeded",
            "approved",
            name="organizationapplicationstatus",
        )
        columns += [
            sa.Column("status", status, server_default="submitted", nullable=False, comment="申請の状態"),
            sa.Column("updated", _tz(), comment="最終更新日時"),
        ]
    sa.Table("organization_applications", metadata, *columns, comment="組織アカウントの作成申請")


def _experiments(metadata: MetaData, k: int) -> None:
    if k < 20:  # mlflow's baseline, as inlined in ff01da956556
        return
    if k < 22:
        key = sa.Column("experiment_id", sa.Integer(), autoincrement=True)
    else:  # 6dca653c92e6: BigInteger, no autoincrement, and a unique constraint on exactly the primary key
        key = sa.Column("experiment_id", sa.BigInteger(), autoincrement=False, nullable=False)
    sa.Table(
        "experiments",
        metadata,
        key,
        sa.Column("name", sa.String(256), unique=True, nullable=False),
        sa.Column("artifact_location", sa.String(256)),
        sa.Column("lifecycle_stage", sa.String(32)),
        sa.PrimaryKeyConstraint("experiment_id", name="experiment_pk"),
        # ff01da956556 drops the CHECK named lifecycle_stage and adds it back as experiments_lifecycle_stage.
        sa.CheckConstraint(
            "lifecycle_stage IN ('active', 'deleted')",
            name="lifecycle_stage" if k < 21 else "experiments_lifecycle_stage",
        ),
        *([sa.UniqueConstraint("experiment_id", name="uq_experiment_id")] if k >= 22 else []),
    )


BUILDERS: tuple[Callable[[MetaData, int], None], ...] = (
    _hosts,
    _groups,
    _staleness,
    _malware_checks,
    _ip_addresses,
    _project_events,
    _organization_applications,
    _experiments,
)


def schema(k: int) -> MetaData:
    """Every table as it is after step ``k`` (0: none), on the project's naming convention."""
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    for build in BUILDERS:
        build(metadata, k)
    return metadata


STEPS: tuple[Step, ...] = (
    Step(1, "create_hosts", f"{HI}/829a43db0969_create_hosts_table.py @ a15f1638", categories=("json",)),
    Step(
        2,
        "add_groups_and_hosts_groups",
        f"{HI}/ada40da60e4e_add_groups_and_hosts_groups_tables.py @ 32c86f42",
        categories=("uuid", "tz", "composite-pk", "unique-equal-to-pk", "unique", "fk"),
    ),
    Step(3, "add_hosts_groups_jsonb", f"{HI}/b48ad9e4c8c5_add_groups_jsonb_to_hosts_table.py @ 0fdb7daf"),
    Step(
        4,
        "hosts_groups_not_null",
        f"{HI}/2e3c52165bf0_make_host_groups_non_nullable.py @ 974a89f4",
        outcome="unfit",
        fix_data=("UPDATE hosts SET groups = '[]' WHERE groups IS NULL",),  # the project backfilled first
        categories=("not-null",),
    ),
    Step(
        5,
        "gin_index_hosts_groups",
        f"{HI}/7c97d8464b6b_add_indexes_for_display_name_and_system_.py @ d207ea30",
        categories=("gin",),
    ),
    Step(
        6,
        "create_account_staleness_culling",
        f"{HI}/fc4921790a66_create_account_staleness_culling_table.py @ 9d53ebf3",
        categories=("unique",),
    ),
    Step(
        7,
        "rename_account_staleness_culling",
        f"{HI}/f8c3af70df12_create_staleness_table_and_remove_.py @ 61ac97d4",
        rename=True,
        categories=("rename",),
    ),
    Step(
        8,
        "drop_staleness_immutable_columns",
        f"{HI}/ad19e988bec3_drop_immutable_fields_from_staleness.py @ bb8d0071",
        outcome="destroys",
        down_refused=True,
        categories=("drop-column",),
    ),
    Step(
        9,
        "drop_old_hosts_tables",
        f"{HI}/2bd02d50876e_drop_hosts_old.py @ f37c981b",
        outcome="destroys",
        categories=("drop-table",),
    ),
    Step(
        10,
        "create_malware_checks",
        f"{WH}/061ff3d24c22_add_malware_detection_tables.py @ 557ca0ec",
        categories=("enum", "server-default", "json"),
    ),
    Step(
        11,
        "drop_malware_checks",
        f"{WH}/ab536b1853f0_remove_malware_infrastructure.py @ 319cbc0c (enums: 70f918653fc6 @ 7273c870)",
        outcome="destroys",
        categories=("drop-table", "enum-dropped"),
    ),
    Step(
        12,
        "create_ip_addresses",
        f"{WH}/2ee4c188adc2_create_ip_addresses_table.py @ 5275ee28",
        categories=("enum", "server-default", "unique"),
    ),
    Step(
        13,
        "ip_addresses_comments_geoip_hash",
        f"{WH}/6073f65a2767_add_hash_and_geoip_to_ipaddress_table.py @ 8e6bfb41",
        categories=("comments", "json", "unique"),
    ),
    Step(
        14,
        "ip_addresses_ban_check",
        f"{WH}/ef0a77c48089_check_constraint_for_ban_columns.py @ 5275ee28",
        categories=("check",),
    ),
    Step(
        15,
        "banreason_add_value",
        f"{WH}/31ac9b5e1e8b_add_administrative_to_banreason_enum.py @ c2e4e6b4",
        postgres_only=True,
        categories=("enum-value",),
    ),
    Step(
        16,
        "create_project_events",
        f"{WH}/0ac2f506ef2e_user_and_project_event_models.py @ 4a00ed93",
        categories=("server-default", "json"),
    ),
    Step(
        17,
        "relate_project_events_to_ip_addresses",
        f"{WH}/f7d91bbfd59e_relate_events_to_ip_addresses.py @ 5275ee28",
        categories=("fk",),
    ),
    Step(
        18,
        "create_organization_applications",
        f"{WH}/5dcbd2bc748f_create_organizationapplication_model.py @ ff506bd3",
        categories=("comments", "enum", "tz"),
    ),
    Step(
        19,
        "organization_application_status_enum",
        f"{WH}/e1b0e2c4a1e6_restructure_organization_application_.py @ e9e4c24d",
        outcome="destroys",
        categories=("enum", "drop-column", "comments"),
    ),
    Step(
        20,
        "baseline_experiments",
        f"{ML} mlflow/alembic/versions/ff01da956556_ensure_unique_constraint_names.py @ 57a70e36",
        categories=("check-in-list",),
    ),
    Step(
        21,
        "ensure_check_constraint_names",
        f"{ML} mlflow/alembic/versions/ff01da956556_ensure_unique_constraint_names.py @ 57a70e36",
        categories=("check-dropped", "check-in-list"),
    ),
    Step(
        22,
        "experiment_id_to_bigint",
        f"{ML} mlflow/store/db_migrations/versions/6dca653c92e6_convert_experiment_id_to_big_int.py @ 79c2e82f",
        categories=("widen-bigint", "unique-equal-to-pk"),
    ),
    Step(
        23,
        "narrow_groups_name",
        "hasgeek/funnel migrations/versions/530c22761e27_fix_column_lengths.py @ 23283237",
        outcome="unfit",
        fix_data=("UPDATE groups SET name = substr(name, 1, 63)",),  # the project shortened the values first
        categories=("narrowing",),
    ),
)
