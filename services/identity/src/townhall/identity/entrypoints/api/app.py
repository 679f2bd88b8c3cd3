"""Identity's HTTP application."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

from fastapi import FastAPI

from townhall.identity.adapters.codes import DevMailbox, Mailbox
from townhall.identity.adapters.linkage_matcher import LinkageMatcher
from townhall.identity.adapters.master_keys import MasterKeys
from townhall.identity.adapters.rewrap import key_ids_in_use
from townhall.identity.adapters.signing_keys import SigningKeys
from townhall.identity.adapters.throttle import Throttle
from townhall.identity.adapters.tokens import OwnKeysVerifier, TokenIssuer
from townhall.identity.bootstrap import bootstrap
from townhall.identity.config import IdentitySettings
from townhall.identity.entrypoints.api import (
    access,
    auth,
    matching,
    officers,
    record,
    residents,
    sessions,
)
from townhall.identity.entrypoints.api.errors import install_error_handlers
from townhall.identity.seed import seed_demo
from townhall.identity.service_layer.matching import (
    ExactMatchPlaceholder,
    Matcher,
    Thresholds,
)
from townhall.identity.service_layer.session_handlers import SessionPolicy
from townhall.runtime.service import ServiceRuntime
from townhall.runtime.web import create_app

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def _keys(
    settings: IdentitySettings, runtime: ServiceRuntime, master_keys: MasterKeys
) -> SigningKeys:
    return SigningKeys(
        runtime.sessions,
        master_keys,
        token_ttl_s=settings.identity_access_token_ttl_s,
        grace_s=settings.identity_key_grace_s,
    )


def _matcher(settings: IdentitySettings) -> Matcher:
    if settings.identity_matcher == "exact":
        return ExactMatchPlaceholder()
    return LinkageMatcher(min_population=settings.identity_linkage_min_population)


def _session_policy(settings: IdentitySettings) -> SessionPolicy:
    return SessionPolicy(
        officer_lifetime=timedelta(seconds=settings.identity_officer_session_ttl_s),
        resident_lifetime=timedelta(seconds=settings.identity_resident_session_ttl_s),
        throttle=Throttle(settings.identity_rate_limit_storage, settings.identity_refresh_limit),
    )


async def _check_master_keys(runtime: ServiceRuntime, master_keys: MasterKeys) -> None:
    """Refuse to start when stored keys were wrapped under a master key not configured."""
    missing = await key_ids_in_use(runtime.sessions) - master_keys.ids
    if missing:
        raise RuntimeError(
            f"keys are stored wrapped under master key(s) {', '.join(sorted(missing))}, which "
            "are not configured: add them to IDENTITY_KEY_ENCRYPTION_KEYS_PREVIOUS"
        )


def create(settings: IdentitySettings | None = None) -> FastAPI:
    settings = settings or IdentitySettings()
    # Identity verifies its own tokens from its key store, never over HTTP to itself.
    runtime = ServiceRuntime(
        settings.model_copy(update={"auth_jwks_url": None}), migrations=MIGRATIONS
    )
    master_keys = settings.master_keys()
    keys = _keys(settings, runtime, master_keys)
    matcher = _matcher(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with runtime.lifespan(app):
            await _check_master_keys(runtime, master_keys)
            await keys.ensure()
            if isinstance(matcher, LinkageMatcher):
                await matcher.start(runtime.sessions)
            if settings.identity_seed_demo:
                secret = settings.identity_demo_service_secret
                await seed_demo(app.state.bus, secret.get_secret_value() if secret else None)
            yield

    app = create_app(
        service=settings.service_name, lifespan=lifespan, readiness=runtime.readiness()
    )
    assert runtime.outbox is not None
    throttle = Throttle(settings.identity_rate_limit_storage, settings.identity_login_limit)
    mailbox = DevMailbox() if settings.identity_dev_mailbox else Mailbox()
    app.state.mailbox = mailbox
    app.state.bus = bootstrap(
        sessions=runtime.sessions,
        outbox=runtime.outbox,
        master_keys=master_keys,
        throttle=throttle,
        session_policy=_session_policy(settings),
        mailbox=mailbox,
        matcher=matcher,
        thresholds=Thresholds(
            settings.identity_match_link_threshold, settings.identity_match_review_threshold
        ),
    )
    app.state.matcher = matcher
    app.state.master_keys = master_keys
    app.state.signing_keys = keys
    issuer, audience = settings.identity_issuer, settings.identity_audience
    app.state.tokens = TokenIssuer(
        keys, issuer=issuer, audience=audience, ttl_s=settings.identity_access_token_ttl_s
    )
    app.state.identity_verifier = OwnKeysVerifier(keys, issuer=issuer, audience=audience)
    install_error_handlers(app)
    for module in (auth, sessions, access, officers, residents, record, matching):
        app.include_router(module.router)
    if settings.identity_dev_mailbox:
        app.include_router(access.mailbox_router)
    return app
