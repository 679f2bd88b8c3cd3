"""The timeline store: one row per event the projection applied."""

from sqlalchemy import BigInteger, Column, DateTime, Index, Integer, MetaData, String, Table, Text

metadata = MetaData()

timeline_entries = Table(
    "timeline_entries",
    metadata,
    Column("event_id", String(128), primary_key=True),
    Column("resident_id", String(64), nullable=False),
    Column("time", DateTime(timezone=True), nullable=False),
    Column("type", String(200), nullable=False),
    Column("domain", String(64), nullable=False),
    Column("sensitivity", String(20), nullable=False),
    Column("sensitivity_rank", Integer, nullable=False),
    Column("summary", String(500), nullable=False),
    Column("source", String(200), nullable=False),
    Column("sequence", BigInteger, nullable=False),
    Column("subject", String(300), nullable=False),
    Column("correlation_id", String(128), nullable=False),
    Column("data", Text, nullable=False),
    Index("ix_timeline_resident_time", "resident_id", "time", "event_id"),
)
