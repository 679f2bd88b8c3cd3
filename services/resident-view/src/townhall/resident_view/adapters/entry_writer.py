"""Writing timeline entries in bulk through the database driver.

This is the projection's hottest statement: every event the platform publishes passes
through it. SQLAlchemy Core's executemany spends more Python time per row (parameter
dicts, type processing, RETURNING rows one by one) than the database spends storing
it, so the rows go to the driver as tuples in one call, with the column types'
own bind processing applied only where a column needs it (times, on SQLite).

- **PostgreSQL**: the batch is copied (binary COPY) into a temporary table that empties
  itself at commit, then moved with ``INSERT … SELECT … ON CONFLICT DO NOTHING
  RETURNING event_id``. COPY costs the client a third of what arrays for ``unnest``
  cost, where the driver asks of every element whether it is a sub-array.
  (Temporary tables need a session per connection: behind PgBouncer, use its session
  mode.)
- **SQLite**: the ids already stored are read first (an index probe each), then the
  new rows are inserted with executemany. RETURNING would cost a step, and on the
  driver's thread a hand-over of the GIL, per returned row.

Both report which event ids were new, so the projection applies an event's effects
only once however often it is delivered.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from townhall.resident_view.adapters.orm import timeline_entries

COLUMNS = tuple(column.name for column in timeline_entries.columns)
_EVENT_ID = COLUMNS.index("event_id")
_row_values = itemgetter(*COLUMNS)
#: SQLite's default limit on bound parameters is 32,766; leave room for the generation.
SQLITE_IDS_PER_QUERY = 30_000

_INCOMING = "timeline_incoming"
_POSTGRES_INCOMING = (
    f"CREATE TEMPORARY TABLE IF NOT EXISTS {_INCOMING} "
    f"(LIKE {timeline_entries.name} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
)
_POSTGRES_INSERT = (
    f"INSERT INTO {timeline_entries.name} ({', '.join(COLUMNS)}) "
    f"SELECT {', '.join(COLUMNS)} FROM {_INCOMING} "
    "ON CONFLICT DO NOTHING RETURNING event_id"
)
_SQLITE_INSERT = (
    f"INSERT OR IGNORE INTO {timeline_entries.name} ({', '.join(COLUMNS)}) "
    f"VALUES ({', '.join('?' * len(COLUMNS))})"
)

Processor = Callable[[Any], Any]
_processors: dict[str, list[tuple[int, Processor]]] = {}


def _bind_processors(dialect: Dialect) -> list[tuple[int, Processor]]:
    """(column index, the column type's bind processing) where the type has any."""
    found = _processors.get(dialect.name)
    if found is None:
        found = []
        for index, column in enumerate(timeline_entries.columns):
            process = column.type.bind_processor(dialect)
            if process is not None:
                found.append((index, process))
        _processors[dialect.name] = found
    return found


def _values(rows: Sequence[Mapping[str, Any]], dialect: Dialect) -> list[tuple[Any, ...]]:
    processors = _bind_processors(dialect)
    if not processors:
        return [_row_values(row) for row in rows]
    # a value the row before had too (the batch's recorded_at) is processed once
    last: dict[int, tuple[Any, Any]] = {}
    shaped = []
    for row in rows:
        values = list(_row_values(row))
        for index, process in processors:
            raw = values[index]
            seen = last.get(index)
            if seen is not None and seen[0] is raw:
                values[index] = seen[1]
            else:
                values[index] = process(raw)
                last[index] = (raw, values[index])
        shaped.append(tuple(values))
    return shaped


async def insert_new(
    session: AsyncSession, generation: int, rows: Sequence[Mapping[str, Any]]
) -> set[str]:
    """Insert the entries of ``generation`` not stored yet; the event ids that were new.

    Every row must belong to ``generation``. An id repeated within ``rows`` is stored
    (and reported) once.
    """
    if not rows:
        return set()
    if any(row["generation"] != generation for row in rows):
        raise ValueError(f"every row must belong to generation {generation}")
    connection = await session.connection()
    values = _values(rows, connection.dialect)
    if connection.dialect.name == "postgresql":
        return await _postgres(connection, values)
    return await _sqlite(connection, generation, values)


async def _postgres(connection: AsyncConnection, values: list[tuple[Any, ...]]) -> set[str]:
    # through SQLAlchemy first: it opens the transaction the COPY then joins
    await connection.exec_driver_sql(_POSTGRES_INCOMING)
    driver = (await connection.get_raw_connection()).driver_connection
    assert driver is not None
    await driver.copy_records_to_table(_INCOMING, records=values, columns=COLUMNS)
    result = await connection.exec_driver_sql(_POSTGRES_INSERT)
    return {event_id for (event_id,) in result}


async def _sqlite(
    connection: AsyncConnection, generation: int, values: list[tuple[Any, ...]]
) -> set[str]:
    ids = [row[_EVENT_ID] for row in values]
    stored: set[str] = set()
    for start in range(0, len(ids), SQLITE_IDS_PER_QUERY):
        chunk = ids[start : start + SQLITE_IDS_PER_QUERY]
        query = (
            f"SELECT event_id FROM {timeline_entries.name} "
            f"WHERE generation = ? AND event_id IN ({', '.join('?' * len(chunk))})"
        )
        result = await connection.exec_driver_sql(query, (generation, *chunk))
        stored.update(event_id for (event_id,) in result)
    new: set[str] = set()
    fresh = []
    for row in values:
        event_id = row[_EVENT_ID]
        if event_id not in stored and event_id not in new:
            new.add(event_id)
            fresh.append(row)
    if fresh:
        await connection.exec_driver_sql(_SQLITE_INSERT, fresh)
    return new
