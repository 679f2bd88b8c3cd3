"""Trained linkage models in identity's database, versioned, newest first.

A model is stored as the Splink settings it was trained to (``Model.splink_settings``;
``Model.from_splink`` reads them back), with what it was trained on: the source
(``population`` or the ``synthetic`` council), how many records, a fingerprint of them,
when, the Splink version and a fingerprint of the engine's comparisons. A model whose
comparisons differ from the running code's is not used: it scores levels that no longer
exist. Training never happens here: see ``adapters.linkage_matcher``.

The default model (for a population too small to train on) is shipped beside this module
as trained on the synthetic council, so a new database need not train it; it is used
only while the comparisons are those it was trained with. After changing them, write it
again: ``python -m townhall.identity.adapters.model_store``.
"""

from __future__ import annotations

import hashlib
import inspect
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from townhall.identity import linkage
from townhall.identity.adapters.orm import linkage_models
from townhall.identity.linkage import comparisons
from townhall.identity.linkage.synthetic import generate

SHIPPED_DEFAULT = Path(__file__).with_name("default_linkage_model.json")


@dataclass(frozen=True, slots=True)
class TrainedOn:
    """What a model was trained on."""

    source: str  # "population" | "synthetic"
    population: int
    fingerprint: str

    @classmethod
    def records(cls, source: str, records: Iterable[linkage.Record]) -> TrainedOn:
        """The description of ``records``: their count and a digest of their content."""
        digest = hashlib.sha256()
        count = 0
        for line in sorted(map(repr, records)):
            digest.update(line.encode())
            count += 1
        return cls(source, count, digest.hexdigest())


@dataclass(frozen=True, slots=True)
class StoredModel:
    version: int
    created_at: datetime
    trained_on: TrainedOn
    splink_version: str
    comparisons: str
    model: linkage.Model

    def describe(self) -> str:
        on = self.trained_on
        return f"v{self.version} ({on.source}, {on.population:,} records)"


def comparisons_fingerprint() -> str:
    """A digest of the comparisons' code: a stored model fits only the same one."""
    return hashlib.sha256(inspect.getsource(comparisons).encode()).hexdigest()


def default_population() -> list[linkage.Record]:
    """The synthetic council the default model is trained on."""
    return generate(300, seed=5).population


def shipped_default() -> linkage.Model | None:
    """The shipped default model, if it was trained with today's comparisons."""
    try:
        shipped = json.loads(SHIPPED_DEFAULT.read_text())
    except FileNotFoundError:
        return None
    if shipped["comparisons"] != comparisons_fingerprint():
        return None
    return linkage.Model.from_settings(shipped["settings"])


def write_shipped_default(model: linkage.Model) -> None:
    shipped = {"comparisons": comparisons_fingerprint(), "settings": model.splink_settings}
    SHIPPED_DEFAULT.write_text(json.dumps(shipped, indent=1, sort_keys=True) + "\n")


class ModelStore:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def latest(self) -> StoredModel | None:
        """The newest model trained on today's comparisons, if any."""
        query = (
            select(linkage_models)
            .where(linkage_models.c.comparisons == comparisons_fingerprint())
            .order_by(linkage_models.c.version.desc())
            .limit(1)
        )
        row = (await self.session.execute(query)).mappings().one_or_none()
        return None if row is None else _stored(row)

    async def newest_version(self) -> int | None:
        query = select(linkage_models.c.version).order_by(linkage_models.c.version.desc())
        return (await self.session.execute(query.limit(1))).scalar_one_or_none()

    async def add(self, model: linkage.Model, trained_on: TrainedOn, now: datetime) -> StoredModel:
        values = {
            "created_at": now,
            "source": trained_on.source,
            "population": trained_on.population,
            "fingerprint": trained_on.fingerprint,
            "splink_version": version("splink"),
            "comparisons": comparisons_fingerprint(),
            "settings": model.splink_settings,
        }
        inserted = await self.session.execute(
            insert(linkage_models).values(values).returning(linkage_models.c.version)
        )
        return _stored({"version": inserted.scalar_one(), **values}, model)


def _stored(row: Any, model: linkage.Model | None = None) -> StoredModel:
    return StoredModel(
        version=row["version"],
        created_at=row["created_at"],
        trained_on=TrainedOn(row["source"], row["population"], row["fingerprint"]),
        splink_version=row["splink_version"],
        comparisons=row["comparisons"],
        model=model or linkage.Model.from_settings(row["settings"]),
    )


if __name__ == "__main__":
    write_shipped_default(linkage.train(default_population()))
    print(f"wrote {SHIPPED_DEFAULT}")
