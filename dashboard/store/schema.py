"""SQLAlchemy Core tables of the report store. Alembic migrations (``migrations/``) are
generated from this metadata; :func:`create_all` is for tests and benchmarks only.

Times are stored as naive UTC (:class:`UTCDateTime`) in one format on every backend, so
"changed since" comparisons work on SQLite text and PostgreSQL timestamps alike.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.types import TypeDecorator

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UTCDateTime(TypeDecorator):
    """Aware datetimes in, aware UTC datetimes out; naive UTC on disk."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use aware UTC")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=timezone.utc)


# --- reference data -------------------------------------------------------------------
kota = Table(
    "kota", metadata,
    Column("code", String(8), primary_key=True),  # Kemendagri, e.g. 31.71
    Column("name", Text, nullable=False),
    Column("geometry", Text),  # GeoJSON geometry, for the map
)

kecamatan = Table(
    "kecamatan", metadata,
    Column("code", String(12), primary_key=True),
    Column("name", Text, nullable=False),
    Column("kota_code", String(8), ForeignKey("kota.code"), nullable=False),
    Column("geometry", Text),
)

kelurahan = Table(
    "kelurahan", metadata,
    Column("code", String(16), primary_key=True),  # e.g. 31.71.01.1001
    Column("name", Text, nullable=False),
    Column("kecamatan_code", String(12), ForeignKey("kecamatan.code"), nullable=False),
    Column("kota_code", String(8), ForeignKey("kota.code"), nullable=False),
    Column("lon", Float, nullable=False),  # representative point
    Column("lat", Float, nullable=False),
    Column("geometry", Text),  # GeoJSON; NULL for the 6 Kepulauan Seribu kelurahan
)

category = Table(
    "category", metadata,
    Column("code", String(32), primary_key=True),
    Column("name", Text, nullable=False),  # Bahasa Indonesia, as in qlue_kategori.csv
    Column("name_en", Text, nullable=False),
    Column("domain", String(32)),  # NULL: the kelurahan handles it; else a suku dinas domain
    Column("share", Float, nullable=False, default=0.0),  # simulator mix
)

agency = Table(
    "agency", metadata,
    Column("code", String(48), primary_key=True),  # kel-31.71.01.1001, sudin-sda-31.71, tj
    Column("name", Text, nullable=False),
    Column("kind", String(16), nullable=False),  # kelurahan | suku_dinas | bumd
    Column("domain", String(32)),
    Column("kota_code", String(8)),
    Column("kelurahan_code", String(16)),
)

flood_gate = Table(
    "flood_gate", metadata,
    Column("code", String(48), primary_key=True),
    Column("name", Text, nullable=False),
    Column("river", Text),
    Column("kind", Text),
    Column("lon", Float),  # NULL where no licensed coordinate was found
    Column("lat", Float),
    Column("siaga3_cm", Integer),
    Column("siaga2_cm", Integer),
    Column("siaga1_cm", Integer),
    Column("snapshot_url", Text),  # camera still URL, fetched by the worker only
)

water_level = Table(
    "water_level", metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("gate_code", String(48), ForeignKey("flood_gate.code"), nullable=False),
    Column("observed_at", UTCDateTime, nullable=False),
    Column("level_cm", Float, nullable=False),
    Column("siaga", Integer, nullable=False),  # 4 Normal .. 1 Awas
    UniqueConstraint("gate_code", "observed_at"),
)

camera_still = Table(
    "camera_still", metadata,
    Column("gate_code", String(48), ForeignKey("flood_gate.code"), primary_key=True),
    Column("image", LargeBinary),  # last good frame
    Column("content_type", String(32)),
    Column("last_ok_at", UTCDateTime),
    Column("last_try_at", UTCDateTime),
    Column("error", Text),
)

# --- reports --------------------------------------------------------------------------
report = Table(
    "report", metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("source", String(64), nullable=False),
    Column("external_id", String(128), nullable=False),
    Column("category_code", String(32), nullable=False),
    Column("status", String(16), nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("address", Text),
    Column("media_url", Text),
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
    Column("kelurahan_code", String(16)),
    Column("kecamatan_code", String(12)),
    Column("kota_code", String(8)),
    Column("agency_code", String(48), nullable=False),
    Column("requested_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("responded_at", UTCDateTime),  # first move past Menunggu
    Column("closed_at", UTCDateTime),  # last move to Selesai
    Column("reopen_count", Integer, nullable=False, default=0),
    Column("flags", Text, nullable=False, default=""),  # comma-separated models.Flag values
    Column("change_seq", BigInteger, nullable=False),  # counter "changes" at last write
    UniqueConstraint("source", "external_id"),
)
Index("ix_report_requested_at", report.c.requested_at)
Index("ix_report_status_requested", report.c.status, report.c.requested_at)
# (change_seq, id): the change feed's keyset and "latest changes" are index scans
Index("ix_report_change_seq", report.c.change_seq, report.c.id)
Index("ix_report_kelurahan", report.c.kelurahan_code, report.c.status)
# (agency_code, status) reads use the prefix of ix_report_agency_status_closed.
# Supervisor drill-down: windowed reads per kota / agency / status stay index
# range scans at 1M reports (index-only per-day counts of new and done reports); Open311
# updated_after.
Index("ix_report_kota_status_requested", report.c.kota_code, report.c.status, report.c.requested_at)
Index("ix_report_agency_requested", report.c.agency_code, report.c.requested_at)
# the newest reports of a kota (supervisor map and insight sample) without a status filter
Index("ix_report_kota_requested", report.c.kota_code, report.c.requested_at)
Index("ix_report_status_closed", report.c.status, report.c.closed_at, report.c.requested_at)
Index("ix_report_kota_status_closed", report.c.kota_code, report.c.status, report.c.closed_at, report.c.requested_at)
Index("ix_report_agency_status_closed", report.c.agency_code, report.c.status, report.c.closed_at,
      report.c.requested_at)
Index("ix_report_updated_at", report.c.updated_at)

# Identity is kept apart: public queries select from `report` only.
reporter = Table(
    "reporter", metadata,
    Column("report_id", ForeignKey("report.id", ondelete="CASCADE"), primary_key=True),
    Column("first_name", Text),
    Column("last_name", Text),
    Column("email", Text),
    Column("phone", Text),
    Column("device_id", Text),
    Column("account_id", Text),
)

status_change = Table(
    "status_change", metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("report_id", ForeignKey("report.id", ondelete="CASCADE"), nullable=False),
    Column("from_status", String(16)),  # NULL for the first sighting
    Column("to_status", String(16), nullable=False),
    Column("changed_at", UTCDateTime, nullable=False),
)
# id and to_status too: the supervisor's hand-off funnel reads a sample's changes, in
# (report, time, id) order, from the index alone
Index("ix_status_change_report_cov", status_change.c.report_id, status_change.c.changed_at,
      status_change.c.id, status_change.c.to_status)
Index("ix_status_change_changed_at", status_change.c.changed_at)

#: Running counts per (kelurahan, agency, category, status), maintained by the writes in
#: the same transaction, so status breakdowns cost O(groups), not O(reports).
tally = Table(
    "tally", metadata,
    Column("kelurahan_code", String(16), primary_key=True),  # "" when none
    Column("agency_code", String(48), primary_key=True),
    Column("category_code", String(32), primary_key=True),
    Column("status", String(16), primary_key=True),
    Column("n", BigInteger, nullable=False),
)

#: The tally per local day of ``requested_at`` (:func:`tally_day_of`), kept by the same
#: writes: a supervisor's date window sums a few thousand rows per day instead of
#: grouping every report in it (7 days at 1M reports: ~24k rows instead of ~78k reports).
#: On SQLite the rows are stored in key order (WITHOUT ROWID), so a range of days is one
#: sequential read (7 days at 1M: 82 -> 39 ms).
tally_day = Table(
    "tally_day", metadata,
    Column("day", Date, primary_key=True),
    Column("kelurahan_code", String(16), primary_key=True),  # "" when none
    Column("agency_code", String(48), primary_key=True),
    Column("category_code", String(32), primary_key=True),
    Column("status", String(16), primary_key=True),
    Column("n", BigInteger, nullable=False),
    sqlite_with_rowid=False,
)
#: The day of ``tally_day`` starts at 00:00 WIB (UTC+7, no daylight saving): windows of
#: whole WIB days read whole rows; any other window reads its partial days from ``report``.
TALLY_DAY_OFFSET = timedelta(hours=7)


def tally_day_of(requested_at: datetime) -> date:
    """The ``tally_day.day`` of a report requested at ``requested_at`` (aware)."""
    return (requested_at.astimezone(timezone.utc) + TALLY_DAY_OFFSET).date()


def tally_day_start(day: date) -> datetime:
    """The UTC instant ``day`` of ``tally_day`` starts."""
    return datetime.combine(day, datetime.min.time(), timezone.utc) - TALLY_DAY_OFFSET


# --- operations -----------------------------------------------------------------------
quarantine = Table(
    "quarantine", metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("source", String(64), nullable=False),
    Column("external_id", String(128)),
    Column("reason", String(48), nullable=False),  # ingest.reasons.Reason value
    Column("detail", Text, nullable=False, default=""),
    Column("raw", Text, nullable=False),  # the record as received (JSON, escaped bytes)
    Column("received_at", UTCDateTime, nullable=False),
)
Index("ix_quarantine_received_at", quarantine.c.received_at)

ingest_run = Table(
    "ingest_run", metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("source", String(64), nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime),
    Column("n_seen", Integer, nullable=False, default=0),
    Column("n_new", Integer, nullable=False, default=0),
    Column("n_updated", Integer, nullable=False, default=0),
    Column("n_unchanged", Integer, nullable=False, default=0),
    Column("n_quarantined", Integer, nullable=False, default=0),
    Column("ok", Boolean, nullable=False, default=False),
    Column("error", Text),
)
Index("ix_ingest_run_source_started", ingest_run.c.source, ingest_run.c.started_at)

#: Per-source ingest watermark (e.g. Open311 updated_datetime, file-drop hashes seen).
source_cursor = Table(
    "source_cursor", metadata,
    Column("source", String(64), primary_key=True),
    Column("watermark", Text),
    Column("updated_at", UTCDateTime, nullable=False),
)

seen_file = Table(
    "seen_file", metadata,
    Column("sha256", String(64), primary_key=True),
    Column("source", String(64), nullable=False),
    Column("name", Text, nullable=False),
    Column("seen_at", UTCDateTime, nullable=False),
)

#: Named monotonically increasing counters; "changes" is the store's change cursor.
counter = Table(
    "counter", metadata,
    Column("name", String(32), primary_key=True),
    Column("value", BigInteger, nullable=False),
)

#: Precomputed view payloads (worker writes, web reads one row per poll).
snapshot = Table(
    "snapshot", metadata,
    Column("widget_id", String(64), primary_key=True),
    Column("payload", Text, nullable=False),  # JSON
    Column("version", BigInteger, nullable=False),  # the change cursor it reflects
    Column("computed_at", UTCDateTime, nullable=False),
)

#: Leader lease for the worker on SQLite (PostgreSQL uses an advisory lock).
lease = Table(
    "lease", metadata,
    Column("name", String(32), primary_key=True),
    Column("holder", Text, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
)


# --- supervisors ---
#: Dashboard accounts: admin, supervisor (optionally scoped to one kota or agency), visitor.
app_user = Table(
    "app_user", metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("password_hash", Text, nullable=False),  # werkzeug.security hash, never the password
    Column("role", String(16), nullable=False),  # admin | supervisor | visitor
    Column("scope_kind", String(8)),  # kota | agency | NULL (whole city)
    Column("scope_code", String(48)),
    Column("created_at", UTCDateTime, nullable=False),
    Column("disabled", Boolean, nullable=False, default=False),
)

#: One row per CSV export: who, when, which filter, how many rows were sent.
export_audit = Table(
    "export_audit", metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("username", String(64), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("filter_json", Text, nullable=False),
    Column("row_count", BigInteger, nullable=False),
)
Index("ix_export_audit_at", export_audit.c.at)


# --- unattended running ---
#: The worker's heartbeat: one row per scheduled job (and one, ``job='worker'``, for the
#: leader itself), written when a run starts and when it ends. ``/health``, the wall and a
#: standby worker read it; ``failures`` counts consecutive failed runs.
worker_heartbeat = Table(
    "worker_heartbeat", metadata,
    Column("job", String(96), primary_key=True),
    Column("worker", Text, nullable=False),  # host:pid of the worker that wrote the row
    Column("last_start", UTCDateTime),
    Column("last_success", UTCDateTime),
    Column("last_error_at", UTCDateTime),
    Column("last_error", Text),
    Column("failures", Integer, nullable=False, default=0),
    Column("updated_at", UTCDateTime, nullable=False),
)

#: Server-side sign-in sessions: the cookie carries a random id, the store its sha256.
#: Signing out, a password change or removing the user deletes (revokes) the rows.
web_session = Table(
    "web_session", metadata,
    Column("id_hash", String(64), primary_key=True),
    Column("user_id", BigInteger, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
)
Index("ix_web_session_user", web_session.c.user_id)
Index("ix_web_session_expires", web_session.c.expires_at)

#: Failed sign-ins by key (``ip:<addr>``, ``user:<name>``), shared by every web process
#: when there is no Redis; rows older than the login window are deleted as new ones come.
login_failure = Table(
    "login_failure", metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("key", String(160), nullable=False),
    Column("at", UTCDateTime, nullable=False),
)
Index("ix_login_failure_key_at", login_failure.c.key, login_failure.c.at)


def create_all(engine: Engine) -> None:
    """Create every table and index (tests, benchmarks). Production uses Alembic."""
    metadata.create_all(engine)
