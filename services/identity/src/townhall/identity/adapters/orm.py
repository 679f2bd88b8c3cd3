"""Identity's tables (its own database; no other service reads them)."""

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    Uuid,
    false,
    func,
)

from townhall.runtime.types import UtcDateTime

metadata = MetaData()

residents = Table(
    "residents",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("given_name", String(200), nullable=False),
    Column("family_name", String(200), nullable=False),
    Column("date_of_birth", Date, nullable=True),
    Column("email", String(320), nullable=True, unique=True),
    Column("created_at", UtcDateTime(), nullable=False, server_default=func.now()),
    Column("preferred_language", String(2), nullable=False, server_default="en"),
    Column("loa", Integer, nullable=False, server_default="0"),
    Column("erased", Boolean, nullable=False, server_default=false()),
    Column("password_hash", String(200), nullable=True),
    Column("merged_into", Uuid, ForeignKey("residents.id", name="fk_residents_merged_into")),
    Column("ni_number", String(9), nullable=True, index=True),
)


def _child(name: str, *columns: Column) -> Table:  # type: ignore[type-arg]
    return Table(
        name,
        metadata,
        Column("resident_id", Uuid, ForeignKey("residents.id"), nullable=False, index=True),
        Column("position", Integer, nullable=False),
        *columns,
        PrimaryKeyConstraint("resident_id", "position"),
    )


resident_names = _child(
    "resident_names",
    Column("given", String(200), nullable=False),
    Column("family", String(200), nullable=False),
    Column("since", Date, nullable=True),
    Column("until", Date, nullable=True),
    Column("title", String(20), nullable=True),
    Column("initials", String(20), nullable=True),
    Column("middle_names", String(200), nullable=True),
    Column("suffix", String(8), nullable=True),
)
resident_addresses = _child(
    "resident_addresses",
    Column("line1", String(200), nullable=True),
    Column("line2", String(200), nullable=True),
    Column("town", String(100), nullable=True),
    Column("postcode", String(8), nullable=True, index=True),
    Column("uprn", String(12), nullable=True, index=True),
    Column("moved_in", Date, nullable=True),
    Column("moved_out", Date, nullable=True),
    Column("flat", String(50), nullable=True),
    Column("house_name", String(100), nullable=True),
    Column("house_number", String(20), nullable=True),
)
resident_contact_points = _child(
    "resident_contact_points",
    Column("kind", String(10), nullable=False),
    Column("value", String(320), nullable=False),
    Column("verified", Boolean, nullable=False),
)

resident_identifiers = Table(
    "resident_identifiers",
    metadata,
    Column("system", String(64), nullable=False),
    Column("value", String(128), nullable=False),
    Column("resident_id", Uuid, ForeignKey("residents.id"), nullable=False, index=True),
    #: One owner per identifier; a resident may hold several in one system.
    PrimaryKeyConstraint("system", "value"),
)

resident_consents = Table(
    "resident_consents",
    metadata,
    Column("resident_id", Uuid, ForeignKey("residents.id"), nullable=False),
    Column("domain", String(64), nullable=False),
    PrimaryKeyConstraint("resident_id", "domain"),
)


#: Which master key wrapped a row (``MasterKeys.key_id``); NULL: wrapped before it
#: was recorded. ``rewrap-keys`` moves every row to the current master key.
def _master_key_id() -> Column:  # type: ignore[type-arg]
    return Column("master_key_id", String(16), nullable=True)


#: Per-resident data keys, wrapped under the master key. Erasure deletes the row.
resident_data_keys = Table(
    "resident_data_keys",
    metadata,
    Column("resident_id", Uuid, primary_key=True),
    Column("wrapped_key", LargeBinary, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    _master_key_id(),
)

officers = Table(
    "officers",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("email", String(320), nullable=False, unique=True),
    Column("display_name", String(200), nullable=False),
    Column("password_hash", String(200), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False, server_default=func.now()),
)

officer_roles = Table(
    "officer_roles",
    metadata,
    Column("officer_id", Uuid, ForeignKey("officers.id"), nullable=False),
    Column("domain", String(64), nullable=False),
    Column("clearance", String(16), nullable=False),
    PrimaryKeyConstraint("officer_id", "domain"),
)

#: Token signing keys: the private half wrapped under the master key.
signing_keys = Table(
    "signing_keys",
    metadata,
    Column("kid", String(64), primary_key=True),
    Column("public_jwk", Text, nullable=False),
    Column("private_key_wrapped", LargeBinary, nullable=False),
    Column("activates_at", UtcDateTime(), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    _master_key_id(),
)

#: One-time codes: only a keyed hash of the code is kept; used codes stay (replay).
one_time_codes = Table(
    "one_time_codes",
    metadata,
    Column("reference", String(16), primary_key=True),
    Column("resident_id", Uuid, ForeignKey("residents.id"), nullable=False, index=True),
    Column("purpose", String(16), nullable=False),
    Column("channel", String(8), nullable=False),
    Column("destination", String(320), nullable=False),
    Column("code_hash", String(64), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("used_at", UtcDateTime(), nullable=True),
    #: A tracking code's request (a case reference): its token is good for that one.
    Column("request_reference", String(40), nullable=True),
)

#: Uncertain matches waiting for an officer, with the evidence field by field: an
#: incoming record against a resident (kind ``record``), or two residents the duplicate
#: pass could not decide (kind ``duplicate``: ``other_resident_id`` would merge into
#: ``resident_id``; ``record`` is the other resident as the pass read it).
review_items = Table(
    "review_items",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("record", JSON, nullable=False),
    Column("resident_id", Uuid, ForeignKey("residents.id"), nullable=False, index=True),
    Column("probability", Float, nullable=False),
    Column("evidence", JSON, nullable=False),
    Column("status", String(10), nullable=False, index=True),
    Column("decided_by", Uuid, nullable=True),
    Column("decided_at", UtcDateTime(), nullable=True),
    Column("created_resident_id", Uuid, nullable=True),
    Column("kind", String(10), nullable=False, server_default="record"),
    Column("other_resident_id", Uuid, ForeignKey("residents.id"), nullable=True, index=True),
)

#: Each source record linked to a resident, automatically or by an officer, with the
#: evidence the decision rested on (field by field, as matched).
resident_links = Table(
    "resident_links",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("resident_id", Uuid, ForeignKey("residents.id"), nullable=False, index=True),
    Column("system", String(64), nullable=False),
    Column("reference", String(128), nullable=False),
    Column("decided_by", String(10), nullable=False),
    Column("probability", Float, nullable=True),
    Column("evidence", JSON, nullable=False),
    Column("linked_at", UtcDateTime(), nullable=False),
    Column("officer_id", Uuid, nullable=True),
    Column("review_id", Uuid, nullable=True),
)

#: Services that obtain tokens with the client-credentials grant (secret hashed, argon2).
service_clients = Table(
    "service_clients",
    metadata,
    Column("client_id", String(64), primary_key=True),
    Column("secret_hash", String(200), nullable=False),
    Column("scopes", String(500), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False, server_default=func.now()),
)

#: One sign-in: refresh tokens rotate within it until it expires or is revoked.
refresh_families = Table(
    "refresh_families",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("kind", String(10), nullable=False),
    Column("subject_id", Uuid, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False, index=True),
    Column("refreshed_at", UtcDateTime(), nullable=True),
    Column("revoked_at", UtcDateTime(), nullable=True),
    Index("ix_refresh_families_subject", "kind", "subject_id"),
)

#: Refresh tokens: only a SHA-256 hash of each; used ones stay to detect reuse.
refresh_tokens = Table(
    "refresh_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("family_id", Uuid, ForeignKey("refresh_families.id"), nullable=False, index=True),
    Column("issued_at", UtcDateTime(), nullable=False),
    Column("used_at", UtcDateTime(), nullable=True),
)

#: Trained linkage models, newest version serving: Splink's settings as trained, and
#: what they were trained on (adapters.model_store).
linkage_models = Table(
    "linkage_models",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("source", String(16), nullable=False),  # "population" | "synthetic"
    Column("population", Integer, nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("splink_version", String(32), nullable=False),
    Column("comparisons", String(64), nullable=False),
    Column("settings", JSON, nullable=False),
)

#: The matching index as it stood at an outbox sequence (adapters.index_snapshot).
linkage_index_snapshots = Table(
    "linkage_index_snapshots",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("engine", String(64), nullable=False),
    Column("sequence", BigInteger, nullable=False),
    Column("residents", Integer, nullable=False),
    Column("payload", LargeBinary, nullable=False),
)

#: What erasure leaves so a record observed before it cannot recreate the resident: a
#: keyed hash of each erased contact point and when (adapters.erasure_suppressions).
erasure_suppressions = Table(
    "erasure_suppressions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("contact_hash", String(64), nullable=False, index=True),
    _master_key_id(),
    Column("erased_at", UtcDateTime(), nullable=False),
)
