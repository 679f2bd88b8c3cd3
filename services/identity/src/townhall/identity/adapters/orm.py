"""Identity's tables (its own database; no other service reads them)."""

from sqlalchemy import Column, Date, DateTime, MetaData, String, Table, Uuid, func

metadata = MetaData()

residents = Table(
    "residents",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("given_name", String(200), nullable=False),
    Column("family_name", String(200), nullable=False),
    Column("date_of_birth", Date, nullable=True),
    Column("email", String(320), nullable=True, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
