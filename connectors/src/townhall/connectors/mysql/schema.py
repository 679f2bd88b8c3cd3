"""What a MySQL/MariaDB source is, and its captured tables read from information_schema."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pymysql

from townhall.connectors.debezium.envelope import Connector, Table
from townhall.connectors.debezium.types import mysql_column
from townhall.connectors.errors import SourceError


@dataclass(frozen=True)
class MySQLSource:
    """One legacy MySQL/MariaDB database to capture.

    ``server_id`` is the id the connector uses as a replica: unique among the server's
    replicas, as for any MySQL replica (Debezium's ``database.server.id``).
    """

    system: str
    host: str
    port: int
    user: str
    password: str
    database: str
    tables: tuple[str, ...]
    server_id: int = 5400

    @property
    def connection_settings(self) -> dict[str, Any]:
        return {"host": self.host, "port": self.port, "user": self.user, "passwd": self.password}


def connect(source: MySQLSource) -> pymysql.Connection[Any]:
    """A session reading times in UTC, so naive DATETIME values mean UTC everywhere."""
    return pymysql.connect(
        host=source.host,
        port=source.port,
        user=source.user,
        password=source.password,
        database=source.database,
        autocommit=True,
        init_command="SET SESSION time_zone = '+00:00'",
    )


def flavour(connection: pymysql.Connection[Any]) -> Connector:
    with connection.cursor() as cursor:
        cursor.execute("SELECT VERSION()")
        (version,) = cursor.fetchone() or ("",)
    return "mariadb" if "mariadb" in str(version).lower() else "mysql"


def check_binlog(connection: pymysql.Connection[Any]) -> None:
    """Refuse to start on a server whose binary log cannot feed row changes."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT @@log_bin, @@binlog_format, @@binlog_row_image")
        log_bin, row_format, image = cursor.fetchone() or (0, "", "")
        try:  # MariaDB 10.5+, MySQL 8.0.14+: column names in the log
            cursor.execute("SELECT @@binlog_row_metadata")
            (metadata,) = cursor.fetchone() or ("",)
        except pymysql.err.OperationalError:
            metadata = "(unsupported)"
    found = (log_bin, str(row_format).upper(), str(image).upper(), str(metadata).upper())
    if found[1:] != ("ROW", "FULL", "FULL") or not int(log_bin):
        raise SourceError(
            "the binary log must be on with binlog_format=ROW, binlog_row_image=FULL and "
            f"binlog_row_metadata=FULL (found log_bin={log_bin}, binlog_format={row_format}, "
            f"binlog_row_image={image}, binlog_row_metadata={metadata})"
        )


_COLUMNS = """
SELECT TABLE_NAME, COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, IS_NULLABLE, NUMERIC_PRECISION,
       NUMERIC_SCALE, DATETIME_PRECISION
FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = %s ORDER BY TABLE_NAME, ORDINAL_POSITION
"""
_KEYS = """
SELECT TABLE_NAME, COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE
WHERE TABLE_SCHEMA = %s AND CONSTRAINT_NAME = 'PRIMARY' ORDER BY TABLE_NAME, ORDINAL_POSITION
"""


def load_tables(
    connection: pymysql.Connection[Any], source: MySQLSource, connector: Connector
) -> dict[str, Table]:
    """The captured tables as they are now; a configured table that is missing is an error."""
    columns: dict[str, list[Any]] = {}
    keys: dict[str, list[str]] = {}
    with connection.cursor() as cursor:
        cursor.execute(_COLUMNS, (source.database,))
        for name, column, data_type, column_type, nullable, precision, scale, fraction in cursor:
            described = mysql_column(
                column,
                data_type,
                column_type,
                nullable=nullable == "YES",
                precision=precision,
                scale=scale,
                fraction=fraction,
            )
            columns.setdefault(name, []).append(described)
        cursor.execute(_KEYS, (source.database,))
        for name, column in cursor:
            keys.setdefault(name, []).append(column)
    missing = [table for table in source.tables if table not in columns]
    if missing:
        raise SourceError(f"{source.database} has no table {', '.join(missing)}")
    return {
        table: Table(
            source.system,
            connector,
            source.database,
            None,
            table,
            tuple(columns[table]),
            tuple(keys.get(table, ())),
        )
        for table in source.tables
    }
