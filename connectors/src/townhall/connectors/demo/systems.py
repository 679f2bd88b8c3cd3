"""The demo legacy databases: their tables, their first load, and the changes they go on
making while the platform runs (one every few seconds: a band changed, a bin missed, an
account opened or closed, a report resolved)."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

import psycopg2
import pymysql

from townhall.connectors.demo.council import Household, account_holder, households, postcode

COUNCIL_TAX_TABLES = """
CREATE TABLE accounts (
    id INT AUTO_INCREMENT PRIMARY KEY,
    holder VARCHAR(120) NOT NULL,
    address VARCHAR(200) NOT NULL,
    postcode VARCHAR(10) NOT NULL,
    uprn BIGINT NULL,
    band CHAR(1) NOT NULL,
    opened_on DATE NOT NULL
)
"""
WASTE_TABLES = (
    """CREATE TABLE customers (
        id SERIAL PRIMARY KEY,
        forenames VARCHAR(100) NOT NULL,
        surname VARCHAR(100) NOT NULL,
        date_of_birth DATE NULL,
        address VARCHAR(200) NOT NULL,
        postcode VARCHAR(10) NULL,
        phone VARCHAR(20) NULL,
        email VARCHAR(200) NULL
    )""",
    """CREATE TABLE reports (
        id SERIAL PRIMARY KEY,
        customer_id INT NOT NULL REFERENCES customers(id),
        kind VARCHAR(40) NOT NULL,
        reported_on DATE NOT NULL,
        status VARCHAR(20) NOT NULL
    )""",
    "ALTER TABLE customers REPLICA IDENTITY FULL",
    "ALTER TABLE reports REPLICA IDENTITY FULL",
)
BANDS = "ABCDEFGHI"
KINDS = ("missed bin", "missed recycling", "bulky waste collection", "garden waste")


def mariadb(port: int, database: str | None = "counciltax") -> pymysql.Connection[Any]:
    return pymysql.connect(host="127.0.0.1", port=port, user="root", database=database,
                           autocommit=True)  # fmt: skip


def postgres(port: int, database: str = "waste") -> Any:
    connection = psycopg2.connect(host="127.0.0.1", port=port, user="postgres", dbname=database)
    connection.autocommit = True
    return connection


def load_council_tax(port: int, houses: list[Household]) -> bool:
    """Create and fill the council tax database once; False if it was there already."""
    connection = mariadb(port, None)
    try:
        with connection.cursor() as cursor:
            if cursor.execute("SHOW DATABASES LIKE 'counciltax'"):
                return False
            cursor.execute("CREATE DATABASE counciltax")
            cursor.execute("USE counciltax")
            cursor.execute(COUNCIL_TAX_TABLES)
            rows = [(account_holder(h), h.address, h.postcode, h.uprn, BANDS[h.uprn % 9],
                     date(2010, 4, 1) + timedelta(days=h.uprn % 5000)) for h in houses]  # fmt: skip
            cursor.executemany(
                "INSERT INTO accounts (holder, address, postcode, uprn, band, opened_on) "
                "VALUES (%s, %s, %s, %s, %s, %s)",
                rows,
            )
        return True
    finally:
        connection.close()


def load_waste(port: int, houses: list[Household], rng: random.Random) -> bool:
    """Create and fill the waste database once; False if it was there already."""
    admin = postgres(port, "postgres")
    try:
        with admin.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = 'waste'")
            if cursor.fetchone():
                return False
            cursor.execute("CREATE DATABASE waste")
    finally:
        admin.close()
    connection = postgres(port)
    try:
        with connection.cursor() as cursor:
            for statement in WASTE_TABLES:
                cursor.execute(statement)
            for house in houses:
                for person in house.people:
                    if person.email is None and rng.random() < 0.6:
                        continue  # most people never ring the waste service
                    cursor.execute(
                        "INSERT INTO customers (forenames, surname, date_of_birth, address, "
                        "postcode, phone, email) VALUES (%s, %s, %s, %s, %s, %s, %s) "
                        "RETURNING id",
                        (person.given, person.family,
                         person.born if rng.random() < 0.5 else None, house.address,
                         house.postcode if rng.random() < 0.9 else None,
                         f"07700 900{rng.randint(0, 999):03d}", person.email),
                    )  # fmt: skip
                    customer = cursor.fetchone()[0]
                    for _ in range(rng.choice((0, 1, 1, 2))):
                        cursor.execute(
                            "INSERT INTO reports (customer_id, kind, reported_on, status) "
                            "VALUES (%s, %s, %s, %s)",
                            (customer, rng.choice(KINDS),
                             date(2025, 1, 1) + timedelta(days=rng.randint(0, 330)), "resolved"),
                        )  # fmt: skip
        return True
    finally:
        connection.close()


def load(mariadb_port: int | None, postgres_port: int | None, count: int) -> None:
    houses = households(count)
    if mariadb_port is not None:
        load_council_tax(mariadb_port, houses)
    if postgres_port is not None:
        load_waste(postgres_port, houses, random.Random(7))


class Changes:
    """One legacy change at a time, as the council's staff would make them."""

    def __init__(self, mariadb_port: int | None, postgres_port: int | None, seed: int = 11):
        self.mariadb_port, self.postgres_port = mariadb_port, postgres_port
        self.rng = random.Random(seed)

    def one(self, today: date) -> str:
        choices = []
        if self.mariadb_port is not None:
            choices += [self._band_changed, self._account_opened, self._account_closed]
        if self.postgres_port is not None:
            choices += [self._bin_reported, self._bin_reported, self._report_resolved]
        if not choices:
            return "no legacy database"
        return self.rng.choice(choices)(today)

    def _tax(self, statement: str, values: tuple[Any, ...] = ()) -> Any:
        assert self.mariadb_port is not None
        connection = mariadb(self.mariadb_port)
        try:
            with connection.cursor() as cursor:
                cursor.execute(statement, values)
                return cursor.fetchone()
        finally:
            connection.close()

    def _waste(self, statement: str, values: tuple[Any, ...] = ()) -> Any:
        assert self.postgres_port is not None
        connection = postgres(self.postgres_port)
        try:
            with connection.cursor() as cursor:
                cursor.execute(statement, values)
                return cursor.fetchone() if cursor.description else None
        finally:
            connection.close()

    def _band_changed(self, today: date) -> str:
        found = self._tax("SELECT id FROM accounts ORDER BY RAND() LIMIT 1")
        if not found:
            return "no account to rebanded"
        self._tax("UPDATE accounts SET band = %s WHERE id = %s", (self.rng.choice(BANDS), found[0]))
        return f"council tax account {found[0]} rebanded"

    def _account_opened(self, today: date) -> str:
        [house] = households(1, seed=self.rng.randint(0, 10**9))[:1]
        self._tax(
            "INSERT INTO accounts (holder, address, postcode, uprn, band, opened_on) "
            "VALUES (%s, %s, %s, NULL, %s, %s)",
            (account_holder(house), house.address, postcode(self.rng), "C", today),
        )
        return "council tax account opened"

    def _account_closed(self, today: date) -> str:
        found = self._tax("SELECT id FROM accounts ORDER BY RAND() LIMIT 1")
        if not found:
            return "no account to close"
        self._tax("DELETE FROM accounts WHERE id = %s", (found[0],))
        return f"council tax account {found[0]} closed"

    def _bin_reported(self, today: date) -> str:
        found = self._waste("SELECT id FROM customers ORDER BY random() LIMIT 1")
        if not found:
            return "no waste customer"
        self._waste(
            "INSERT INTO reports (customer_id, kind, reported_on, status) "
            "VALUES (%s, %s, %s, 'open')",
            (found[0], self.rng.choice(KINDS), today),
        )
        return f"waste report for customer {found[0]}"

    def _report_resolved(self, today: date) -> str:
        found = self._waste("SELECT id FROM reports WHERE status = 'open' LIMIT 1")
        if not found:
            return "no open waste report"
        self._waste("UPDATE reports SET status = 'resolved' WHERE id = %s", (found[0],))
        return f"waste report {found[0]} resolved"
