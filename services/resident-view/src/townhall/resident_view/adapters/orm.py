"""resident-view's tables: the timeline store, consents, residents for search, the
access and look-up audits, progress; and where the migrations that create them are."""

from pathlib import Path

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    false,
)

from townhall.runtime.types import UtcDateTime

#: The Alembic migrations of these tables, run by every process at start.
MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"
metadata = MetaData()

#: One row per event the projection applied.
timeline_entries = Table(
    "timeline_entries",
    metadata,
    #: Which build of the projection the row belongs to
    #: (see townhall.resident_view.projection.rebuild)
    Column("generation", Integer, primary_key=True, autoincrement=False),
    Column("event_id", String(128), primary_key=True),
    Column("resident_id", String(64), nullable=False),
    Column("time", UtcDateTime(), nullable=False),
    #: When the projection wrote the entry (its transaction, just before the commit that
    #: makes it visible); ``time`` is when the event happened.
    Column("recorded_at", UtcDateTime(), nullable=True),
    Column("type", String(200), nullable=False),
    Column("domain", String(64), nullable=False),
    Column("sensitivity", String(20), nullable=False),
    Column("sensitivity_rank", Integer, nullable=False),
    #: What happened, in English (from the code below, where there is one).
    Column("summary", String(500), nullable=False),
    #: The same as a code and its facts (JSON), for a front door to word in its
    #: reader's language (townhall.resident_view.projection.wording); null for entries
    #: whose summary is English only, and for those stored before codes existed.
    Column("summary_code", String(64), nullable=True),
    Column("summary_params", Text, nullable=True),
    Column("source", String(200), nullable=False),
    Column("sequence", BigInteger, nullable=False),
    Column("subject", String(300), nullable=False),
    Column("correlation_id", String(128), nullable=False),
    Column("data", Text, nullable=False),
    #: "all", or "officers" for officer-internal notes that never reach residents
    Column("audience", String(20), nullable=False, server_default="all"),
    Column("case_reference", String(64), nullable=True),
    Column("channel", String(32), nullable=True),
    #: A report in the resident's name by someone who only gave it (an anonymous
    #: reporter's claim), until the resident confirms it was theirs.
    Column("claimed", Boolean, nullable=False, server_default=false()),
    Index("ix_timeline_resident_time", "generation", "resident_id", "time", "event_id"),
    Index("ix_timeline_case_reference", "generation", "case_reference"),
)

#: Residents' consent to share their history across service domains ("*" = all).
consents = Table(
    "consents",
    metadata,
    Column("generation", Integer, nullable=False),
    Column("resident_id", String(64), nullable=False),
    Column("domain", String(64), nullable=False),
    Column("granted_at", UtcDateTime(), nullable=False),
    PrimaryKeyConstraint("generation", "resident_id", "domain"),
)

#: Append-only: who looked at whose timeline, why, and what they were shown.
access_audit = Table(
    "access_audit",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("at", UtcDateTime(), nullable=False),
    Column("viewer", String(200), nullable=False),
    Column("viewer_kind", String(20), nullable=False),
    Column("resident_id", String(64), nullable=False),
    Column("purpose", String(500), nullable=False),
    Column("outcome", String(20), nullable=False),
    Column("entry_ids", Text, nullable=False),
    Column("correlation_id", String(128), nullable=True),
    Index("ix_access_audit_resident", "resident_id", "at"),
    Index("ix_access_audit_viewer", "viewer", "at"),
)

#: Completeness per source: every sequence up to ``watermark`` has arrived; ``pending``
#: is a bitmask (hex) of those that arrived above it
#: (see townhall.resident_view.projection.completeness).
source_progress = Table(
    "source_progress",
    metadata,
    Column("generation", Integer, primary_key=True, autoincrement=False),
    Column("source", String(200), primary_key=True),
    Column("watermark", BigInteger, nullable=False),
    Column("max_seen", BigInteger, nullable=False),
    Column("pending", Text, nullable=False, server_default=""),
)

#: Residents identity merged into another: their history shows under the survivor.
merges = Table(
    "merges",
    metadata,
    Column("generation", Integer, nullable=False),
    Column("merged_id", String(64), nullable=False),
    Column("survivor_id", String(64), nullable=False),
    PrimaryKeyConstraint("generation", "merged_id"),
    Index("ix_merges_survivor", "generation", "survivor_id"),
)

#: Residents erased (and everyone merged into them when they were): entries that
#: arrive about them afterwards (another topic, a rebuild) are stored blank.
erased_residents = Table(
    "erased_residents",
    metadata,
    Column("generation", Integer, nullable=False),
    Column("resident_id", String(64), nullable=False),
    PrimaryKeyConstraint("generation", "resident_id"),
)

#: Residents as identity last described them (opened from sealed personal data), for
#: search. Former names and addresses, emails, phones and identifiers are JSON lists.
residents = Table(
    "residents",
    metadata,
    Column("generation", Integer, nullable=False),
    Column("resident_id", String(64), nullable=False),
    Column("given_name", String(200), nullable=True),
    Column("family_name", String(200), nullable=True),
    Column("former_names", Text, nullable=False),
    Column("date_of_birth", Date, nullable=True),
    #: normalised, e.g. "SW1A 1AA"; the UPRN is a string (leading zeros matter)
    Column("postcode", String(10), nullable=True),
    Column("uprn", String(12), nullable=True),
    Column("former_addresses", Text, nullable=False),
    Column("emails", Text, nullable=False),
    Column("phones", Text, nullable=False),
    Column("identifiers", Text, nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    PrimaryKeyConstraint("generation", "resident_id"),
)

#: Search keys: each resident's names as phonetic codes, nickname-folded and
#: typo-tolerant forms, and their exact identifiers, so look-ups use an index.
search_terms = Table(
    "search_terms",
    metadata,
    Column("generation", Integer, nullable=False),
    Column("kind", String(20), nullable=False),
    Column("term", String(200), nullable=False),
    Column("resident_id", String(64), nullable=False),
    PrimaryKeyConstraint("generation", "kind", "term", "resident_id"),
    Index("ix_search_terms_resident", "generation", "resident_id"),
)

#: Append-only: every search and tracking look-up, who made it, why, what it returned.
lookup_audit = Table(
    "lookup_audit",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("at", UtcDateTime(), nullable=False),
    Column("viewer", String(200), nullable=False),
    Column("viewer_kind", String(20), nullable=False),
    #: "search" or "tracking"
    Column("action", String(20), nullable=False),
    Column("purpose", String(500), nullable=False),
    #: what was asked: the search fields used (never their values), or the reference
    Column("query", String(500), nullable=False),
    Column("outcome", String(20), nullable=False),
    Column("resident_ids", Text, nullable=False),
    Column("correlation_id", String(128), nullable=True),
    Index("ix_lookup_audit_viewer", "viewer", "at"),
    Index("ix_lookup_audit_at", "at"),
)
