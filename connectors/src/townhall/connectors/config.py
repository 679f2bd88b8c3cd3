"""The connectors' configuration file: which legacy databases, where offsets are kept.

::

    offsets: var/connectors/offsets.db
    schemas: false                  # true: the JSON converter's {"schema", "payload"} form
    connectors:
      - system: counciltax
        kind: mysql                 # MySQL or MariaDB, binary log in row format
        host: 127.0.0.1
        port: 3307
        user: townhall_cdc
        password: ""
        database: counciltax
        tables: [accounts, bills]
      - system: waste
        kind: postgresql            # wal_level=logical
        dsn: "host=127.0.0.1 port=5433 user=townhall_cdc dbname=waste"
        tables: [collections]

Kafka comes from the usual ``KAFKA_*`` environment variables.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from townhall.connectors.mapping import MappingError

SYSTEM = r"^[a-z][a-z0-9_]*$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MySQLConnector(_Strict):
    kind: Literal["mysql"]
    system: str = Field(pattern=SYSTEM)
    host: str = "127.0.0.1"
    port: int = 3306
    user: str
    password: str = ""
    database: str
    tables: tuple[str, ...] = Field(min_length=1)
    server_id: int = 5400


class PostgresConnector(_Strict):
    kind: Literal["postgresql"]
    system: str = Field(pattern=SYSTEM)
    dsn: str
    schema_name: str = Field(default="public", alias="schema")
    tables: tuple[str, ...] = Field(min_length=1)


Connector = Annotated[MySQLConnector | PostgresConnector, Field(discriminator="kind")]


class ConnectorsConfig(_Strict):
    offsets: Path = Path("var/connectors/offsets.db")
    schemas: bool = False
    connectors: tuple[Connector, ...] = Field(min_length=1)


def load_config(path: Path) -> ConnectorsConfig:
    """The configuration file, or ``MappingError`` naming the file and the field."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        return ConnectorsConfig.model_validate(document)
    except OSError as error:
        raise MappingError(f"{path}: cannot be read: {error.strerror}") from error
    except yaml.YAMLError as error:
        raise MappingError(f"{path}: not valid YAML: {error}") from error
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "(the file)"
        raise MappingError(f"{path}: {where}: {first['msg']}") from error
