"""A restarted identity serves its stored model and its snapshotted index at once;
retraining stores a new version; until matching is ready, /readyz and matches say so."""

from __future__ import annotations

import threading
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

import httpx
from sqlalchemy import select

from townhall.identity.adapters import index_snapshot
from townhall.identity.adapters.index_restored import Records
from townhall.identity.adapters.index_snapshot import IndexState
from townhall.identity.adapters.linkage_matcher import LinkageMatcher
from townhall.identity.adapters.linkage_upkeep import LinkageUpkeep, retrain_population
from townhall.identity.adapters.orm import linkage_models
from townhall.identity.config import IdentitySettings
from townhall.identity.entrypoints.api.app import create
from townhall.identity.linkage import Matcher, Model, Record
from townhall.identity.linkage.features import features_of
from townhall.identity.linkage.synthetic import generate
from townhall.identity.testing import Harness, bearer, ready

ORCHARD = {"line1": "12 Orchard Road", "town": "Sampleton", "postcode": "ZX1 2AB"}


class Trainer:
    """Stands in for Splink: counts its calls; may hold them until released."""

    def __init__(self, model: Model, *, hold: bool = False) -> None:
        self.model = model
        self.calls: list[int] = []
        self.release = threading.Event()
        if not hold:
            self.release.set()

    def __call__(self, records: Sequence[Record]) -> Model:
        self.calls.append(len(records))
        self.release.wait()
        return self.model


@asynccontextmanager
async def started(settings: IdentitySettings, matcher: LinkageMatcher) -> AsyncIterator[Harness]:
    """Identity started (not yet necessarily ready) with this matcher."""
    app = create(settings, matcher=matcher)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://identity") as http:
            yield Harness(app, http)


def _linkage(identity: Harness) -> LinkageMatcher:
    matcher = identity.services.matcher
    assert isinstance(matcher, LinkageMatcher)
    return matcher


def _upkeep(matcher: LinkageMatcher) -> LinkageUpkeep:
    assert matcher.upkeep is not None
    return matcher.upkeep


async def _officer(identity: Harness) -> dict[str, str]:
    return bearer(await identity.officer_token("id@example.org", ("identity", "personal")))


async def test_a_restarted_identity_serves_the_stored_model_without_training(
    identity_settings: IdentitySettings, model: Model
) -> None:
    async with started(identity_settings, LinkageMatcher()) as first:
        await ready(first.app)
        await _upkeep(_linkage(first)).settled.wait()
        served = _linkage(first).serving
    trainer = Trainer(model)
    matcher = LinkageMatcher(trainer=trainer)
    async with started(identity_settings, matcher) as again:
        await ready(again.app)
        await _upkeep(matcher).settled.wait()
        assert matcher.serving is not None and served is not None
        assert matcher.serving.version == served.version
        assert matcher.serving.trained_on == served.trained_on
        assert trainer.calls == [], "a restart trains nothing"


async def test_a_retrain_stores_a_new_version_and_matching_switches_to_it(
    identity_settings: IdentitySettings, model: Model
) -> None:
    trainer = Trainer(model)
    matcher = LinkageMatcher(trainer=trainer, min_population=3)
    async with started(identity_settings, matcher) as identity:
        await ready(identity.app)
        upkeep = _upkeep(matcher)
        await upkeep.settled.wait()
        first = matcher.serving
        for given in ("Ann", "Bea", "Cal"):
            await identity.register(given_name=given, family_name="Hartley")
        retrained = await upkeep.retrain()
        assert retrained is not None and first is not None
        assert retrained.version > first.version
        assert retrained.trained_on.source == "population"
        assert retrained.trained_on.population == 3 and len(retrained.trained_on.fingerprint) == 64
        assert matcher.serving == retrained and matcher.engine.model is model
        assert trainer.calls[-1] == 3
        # on demand from another process (python -m townhall.identity retrain)
        sessions = identity.runtime.sessions
        stored = await retrain_population(sessions, min_population=3, trainer=trainer)
        assert stored is not None
        assert await upkeep.adopt_newest()
        assert matcher.serving is not None and matcher.serving.version == stored.version
        assert not await upkeep.adopt_newest(), "nothing newer"
        assert await identity.count(linkage_models) == 3


async def test_an_administrator_retrains_on_demand_and_matching_switches_when_it_is_stored(
    identity_settings: IdentitySettings, model: Model
) -> None:
    trainer = Trainer(model)
    matcher = LinkageMatcher(trainer=trainer, min_population=3)
    async with started(identity_settings, matcher) as identity:
        await ready(identity.app)
        upkeep = _upkeep(matcher)
        await upkeep.settled.wait()
        for given in ("Ann", "Bea", "Cal"):
            await identity.register(given_name=given, family_name="Hartley")
        officer = await _officer(identity)
        refused = await identity.http.post("/linkage/retrain", headers=officer)
        assert refused.status_code == 403, "administrators only"
        trainer.release.clear()  # the retraining waits until released
        admin = bearer(await identity.admin_token())
        try:
            asked = await identity.http.post("/linkage/retrain", headers=admin)
            assert asked.status_code == 202, asked.text
            assert asked.json() == {"retraining": "started", "serving": matcher.describe()}
            again = await identity.http.post("/linkage/retrain", headers=admin)
            assert again.json()["retraining"] == "running", "not started twice"
            assert matcher.serving is not None and matcher.serving.version == 1
        finally:
            trainer.release.set()
        assert upkeep.retraining is not None
        await upkeep.retraining
        assert matcher.serving is not None and matcher.serving.version == 2
        assert matcher.serving.trained_on.source == "population"
        assert trainer.calls[-1] == 3
        shown = (await identity.http.get("/readyz")).json()["matching"]
        assert shown.startswith("v2 (population, 3 records)")


async def test_until_matching_is_ready_readyz_says_so_and_matches_are_refused(
    identity_settings: IdentitySettings, model: Model
) -> None:
    trainer = Trainer(model, hold=True)  # a new database: the default model is trained
    matcher = LinkageMatcher(trainer=trainer, wait_s=0)
    async with started(identity_settings, matcher) as identity:
        try:
            await _while_loading(identity, matcher, trainer)
        finally:
            trainer.release.set()  # a failed assertion must not leave the thread waiting


async def _while_loading(identity: Harness, matcher: LinkageMatcher, trainer: Trainer) -> None:
    loading = await identity.http.get("/readyz")
    assert loading.status_code == 503
    assert any(r.startswith("matching: ") for r in loading.json()["reasons"])
    headers = await _officer(identity)
    newcomer = await identity.register(given_name="Thomas", family_name="Hartley")
    body = {
        "system": "council_tax",
        "reference": "CT-1",
        "given_name": "Tom",
        "family_name": "Hartley",
    }
    refused = await identity.http.post("/records/match", json=body, headers=headers)
    assert refused.status_code == 503, refused.text
    assert refused.headers["Retry-After"] == "1"
    assert "not ready" in refused.json()["detail"]
    trainer.release.set()
    assert await matcher.wait_ready()
    answered = await identity.http.get("/readyz")
    assert answered.status_code == 200, answered.text
    assert answered.json()["matching"].startswith("v1 (synthetic")
    assert newcomer in matcher.engine.index, "registered while loading, indexed once loaded"


async def test_a_restart_restores_the_index_and_catches_up_with_later_changes(
    identity_settings: IdentitySettings,
) -> None:
    async with started(identity_settings, LinkageMatcher()) as first:
        await ready(first.app)
        matcher = _linkage(first)
        await _upkeep(matcher).settled.wait()
        headers = await _officer(first)
        kept = await first.register(given_name="Susan", family_name="Hartley")
        mover = await first.register(given_name="William", family_name="Hartley")
        await _upkeep(matcher).save_snapshot()
        later = await first.register(given_name="Amelia", family_name="Brook")
        address = f"/residents/{mover}/addresses"
        moved = await first.http.post(address, json=ORCHARD, headers=headers)
        assert moved.status_code == 204, moved.text
    restarted = LinkageMatcher()
    async with started(identity_settings, restarted) as again:
        await ready(again.app)
        assert _upkeep(restarted).restored
        assert set(restarted.engine.index) == {kept, mover, later}
        postcodes = {f.postcode for f in restarted.engine.index.facets(mover)}
        assert postcodes == {"ZX12AB"}, "the move after the snapshot was caught up"


async def test_a_restart_catches_up_merges_and_erasures_made_after_the_snapshot(
    identity_settings: IdentitySettings,
) -> None:
    async with started(identity_settings, LinkageMatcher()) as first:
        await ready(first.app)
        matcher = _linkage(first)
        await _upkeep(matcher).settled.wait()
        headers = await _officer(first)
        survivor = await first.register(given_name="Susan", family_name="Hartley")
        duplicate = await first.register(given_name="Sue", family_name="Hartley")
        erased = await first.register(given_name="William", family_name="Brook")
        await _upkeep(matcher).save_snapshot()
        body = {"merged_id": duplicate}
        merged = await first.http.post(f"/residents/{survivor}/merge", json=body, headers=headers)
        assert merged.status_code == 204, merged.text
        admin = bearer(await first.admin_token())
        assert (await first.http.delete(f"/residents/{erased}", headers=admin)).status_code == 204
    restarted = LinkageMatcher()
    async with started(identity_settings, restarted) as again:
        await ready(again.app)
        assert _upkeep(restarted).restored
        assert set(restarted.engine.index) == {survivor}, "the merged and the erased left"
        assert restarted.merged_into(uuid.UUID(survivor)) == {duplicate}
        givens = {f.given for f in restarted.engine.index.facets(survivor)}
        assert givens == {"susan", "sue"}, "the survivor holds the merged record's facet"


def test_a_restored_index_answers_as_the_one_it_was_taken_from(model: Model) -> None:
    council = generate(60, seed=3, queries_per_case=2)
    built = Matcher(model)
    for record in council.population:
        built.add(record)
    state = IndexState(Records(), {}, defaultdict(set), built.index)
    payload = index_snapshot.payload(index_snapshot.freeze(state))
    restored = Matcher(model, index=index_snapshot.loads(payload).index)
    queries = [q.record for q in council.queries]
    for query in queries:
        assert restored.index.candidates(features_of(query)) == built.index.candidates(
            features_of(query)
        )
    assert set(restored.index) == set(built.index)
    changed = council.population[:5]
    for index in (built.index, restored.index):
        for record in changed:
            assert record.resident_id is not None
            index.delete(record.resident_id)
        index.put("a-new-resident", [features_of(queries[0])])
    for query in queries:
        assert restored.index.candidates(features_of(query)) == built.index.candidates(
            features_of(query)
        )
    again = index_snapshot.loads(index_snapshot.payload(index_snapshot.freeze(state)))
    assert set(again.index) == set(built.index), "a restored index snapshots as it is"


async def test_a_stored_model_reads_back_with_the_very_weights_it_served(
    identity_settings: IdentitySettings, model: Model
) -> None:
    again = Model.from_settings(model.splink_settings)
    assert [c.weights for c in again.comparisons] == [c.weights for c in model.comparisons]
    async with started(identity_settings, LinkageMatcher()) as identity:
        await ready(identity.app)
        async with identity.runtime.sessions() as session:
            settings = (await session.execute(select(linkage_models.c.settings))).scalar_one()
        stored = Model.from_settings(settings)
        served = _linkage(identity).engine.model
        assert [c.weights for c in stored.comparisons] == [c.weights for c in served.comparisons]
