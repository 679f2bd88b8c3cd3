"""The composition root: everything one identity process runs, built once.

:func:`bootstrap` takes the settings and, as keyword arguments with production
defaults, every adapter a test may want to replace (the clock, the unit of work, the
matcher, password hashing). It returns one typed :class:`Identity`: the
runtime (database, outbox, relay), the message bus with its handlers' dependencies, the
signing keys, the token issuer and identity's own verifier. The API's ``create()`` only
wires HTTP to it; the command line runs its commands on it.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from townhall.identity.adapters.codes import CodeHasher
from townhall.identity.adapters.duplicate_pass import DuplicatePass, serving_model
from townhall.identity.adapters.linkage_matcher import LinkageMatcher
from townhall.identity.adapters.linkage_upkeep import Schedule
from townhall.identity.adapters.master_keys import MasterKeys
from townhall.identity.adapters.passwords import Passwords
from townhall.identity.adapters.rewrap import key_ids_in_use
from townhall.identity.adapters.signing_keys import SigningKeys
from townhall.identity.adapters.throttle import Backoff, SignInThrottle
from townhall.identity.adapters.tokens import OwnKeysVerifier, TokenIssuer
from townhall.identity.config import IdentitySettings
from townhall.identity.domain import commands
from townhall.identity.service_layer import (
    access_handlers,
    client_handlers,
    contact_handlers,
    handlers,
    matching_handlers,
    officer_handlers,
    session_handlers,
)
from townhall.identity.service_layer.access_handlers import Access
from townhall.identity.service_layer.matching import (
    ExactMatchPlaceholder,
    IncomingRecord,
    Matcher,
    Thresholds,
)
from townhall.identity.service_layer.session_handlers import SessionPolicy
from townhall.identity.service_layer.unit_of_work import UnitOfWork
from townhall.runtime.background import Periodic
from townhall.runtime.clock import Clock, utc_now
from townhall.runtime.messagebus import MessageBus
from townhall.runtime.outbox import EventContext
from townhall.runtime.service import ServiceRuntime
from townhall.runtime.throttling import RateLimit

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
Handler = Callable[..., Awaitable[Any]]

#: Every command and the one handler that answers it. A handler names what else it
#: needs (``clock``, ``access``, ``policy``...); the bus passes it from ``bootstrap``.
COMMANDS: dict[type, Handler] = {
    commands.RegisterResident: handlers.register_resident,
    commands.ChangeName: handlers.change_name,
    commands.SetPreferredLanguage: handlers.set_preferred_language,
    commands.MoveResident: handlers.move_resident,
    commands.AddContactPoint: handlers.add_contact_point,
    commands.RequestContactPoint: contact_handlers.request_contact_point,
    commands.ConfirmContactPoint: contact_handlers.confirm_contact_point,
    commands.LinkIdentifier: handlers.link_identifier,
    commands.RaiseAssurance: handlers.raise_assurance,
    commands.ChangeConsent: handlers.change_consent,
    commands.EraseResident: handlers.erase_resident,
    commands.CreateOfficer: officer_handlers.create_officer,
    commands.GrantRole: officer_handlers.grant_role,
    commands.RevokeRole: officer_handlers.revoke_role,
    commands.AuthenticateOfficer: officer_handlers.authenticate_officer,
    commands.StartTracking: access_handlers.start_tracking,
    commands.SignUp: access_handlers.sign_up,
    commands.RedeemCode: access_handlers.redeem_code,
    commands.NameReportedRequest: access_handlers.name_reported_request,
    commands.AuthenticateResident: access_handlers.authenticate_resident,
    client_handlers.RegisterServiceClient: client_handlers.register_client,
    client_handlers.AuthenticateServiceClient: client_handlers.authenticate_client,
    client_handlers.GrantServiceClientScopes: client_handlers.grant_scopes,
    commands.StartSession: session_handlers.start_session,
    commands.RefreshSession: session_handlers.refresh_session,
    commands.EndSession: session_handlers.end_session,
    commands.RevokeOfficerSessions: session_handlers.revoke_officer_sessions,
    IncomingRecord: matching_handlers.match_record,
    commands.DecideReview: matching_handlers.decide_review,
    commands.SettleReview: matching_handlers.settle_review,
    commands.MergeResidents: matching_handlers.merge_residents,
    commands.AskAboutDuplicate: matching_handlers.ask_about_duplicate,
    commands.UnmergeResidents: matching_handlers.unmerge_residents,
}


@dataclass(frozen=True)
class Identity:
    """Everything one identity process runs, as :func:`bootstrap` built it."""

    settings: IdentitySettings
    runtime: ServiceRuntime
    bus: MessageBus[UnitOfWork]
    clock: Clock
    master_keys: MasterKeys
    signing_keys: SigningKeys
    tokens: TokenIssuer
    #: Identity verifies its own tokens from its key store, never over HTTP to itself.
    verifier: OwnKeysVerifier
    matcher: Matcher
    #: Look-ups of residents' data, per officer.
    lookups: RateLimit
    #: Residents re-scored against each other and merged (with the linkage matcher).
    duplicates: DuplicatePass | None = None
    duplicates_every: Periodic | None = None

    async def start(self) -> None:
        """Once the runtime has started (the schema is current): refuse master keys
        that are not configured, make the first signing key, index the residents."""
        missing = await key_ids_in_use(self.runtime.sessions) - self.master_keys.ids
        if missing:
            raise RuntimeError(
                f"keys are stored wrapped under master key(s) {', '.join(sorted(missing))}, "
                "which are not configured: add them to IDENTITY_KEY_ENCRYPTION_KEYS_PREVIOUS"
            )
        await self.signing_keys.ensure()
        if isinstance(self.matcher, LinkageMatcher):  # loads in the background
            await self.matcher.start(self.runtime.sessions, linkage_schedule(self.settings))
        if self.duplicates_every is not None:
            await self.duplicates_every.start()

    async def stop(self) -> None:
        """Before the runtime stops: end the matcher's background work."""
        if self.duplicates_every is not None:
            await self.duplicates_every.stop()
        if isinstance(self.matcher, LinkageMatcher):
            await self.matcher.stop()

    async def matching_ready(self) -> str | None:
        """A readiness check: None once matching is ready, else what it is doing."""
        return self.matcher.readiness() if isinstance(self.matcher, LinkageMatcher) else None

    def retrain_matching(self) -> bool | None:
        """Retrain the matching model in the background (the old one serves meanwhile);
        False if a retraining is already running, None if matching trains no model."""
        matcher = self.matcher
        if not isinstance(matcher, LinkageMatcher) or matcher.upkeep is None:
            return None
        return matcher.upkeep.retrain_soon()

    def matching_details(self) -> dict[str, str]:
        """What /readyz shows of matching: the model serving and the index, once ready."""
        matcher = self.matcher
        if not isinstance(matcher, LinkageMatcher):
            return {}
        return {"matching": matcher.describe() if matcher.ready else matcher.status}


def bootstrap(
    settings: IdentitySettings,
    *,
    clock: Clock = utc_now,
    uow: Callable[[], UnitOfWork] | None = None,
    matcher: Matcher | None = None,
    hash_password: officer_handlers.Hash | None = None,
    verify_password: officer_handlers.Verify | None = None,
    sign_in: SignInThrottle | None = None,
) -> Identity:
    # The runtime verifies nobody's tokens over HTTP here: identity holds the keys.
    runtime = ServiceRuntime(
        settings.model_copy(update={"auth_jwks_url": None}), migrations=MIGRATIONS
    )
    master_keys = settings.master_keys()
    matcher = matcher or _matcher(settings)
    hasher = Passwords(settings.identity_password_hashing)
    access = _access(
        settings,
        master_keys,
        sign_in or sign_in_throttle(settings, clock),
        hash_password or hasher.hash,
        verify_password or hasher.verify,
    )
    bus = MessageBus(
        uow or _units_of_work(runtime, master_keys, matcher, clock),
        commands=COMMANDS,
        dependencies={**_dependencies(settings, access, matcher), "clock": clock},
    )
    keys = SigningKeys(
        runtime.sessions,
        master_keys,
        token_ttl_s=settings.identity_access_token_ttl_s,
        grace_s=settings.identity_key_grace_s,
        clock=clock,
    )
    issuer, audience = settings.identity_issuer, settings.identity_audience
    tokens = TokenIssuer(
        keys,
        issuer=issuer,
        audience=audience,
        ttl_s=settings.identity_access_token_ttl_s,
        clock=clock,
    )
    verifier = OwnKeysVerifier(keys, issuer=issuer, audience=audience)
    lookups = RateLimit(
        "identity-officer-lookups",
        settings.identity_officer_lookup_limit,
        settings.rate_limit_storage,
    )
    duplicates = _duplicate_pass(settings, runtime, bus, matcher)
    every = settings.identity_duplicate_pass_every_s
    return Identity(
        settings,
        runtime,
        bus,
        clock,
        master_keys,
        keys,
        tokens,
        verifier,
        matcher,
        lookups,
        duplicates,
        Periodic("identity-duplicate-pass", every, duplicates.step) if duplicates else None,
    )


def _duplicate_pass(
    settings: IdentitySettings,
    runtime: ServiceRuntime,
    bus: MessageBus[UnitOfWork],
    matcher: Matcher,
) -> DuplicatePass | None:
    """The pass merges and asks through the bus, so each merge and each review item is
    identity's own command."""
    if not isinstance(matcher, LinkageMatcher):
        return None
    context = EventContext(correlation_id="duplicate-pass")

    async def merge(command: commands.MergeResidents) -> None:
        await bus.handle(command, context)

    async def ask(command: commands.AskAboutDuplicate) -> uuid.UUID | None:
        opened: uuid.UUID | None = await bus.handle(command, context)
        return opened

    async def settle(command: commands.SettleReview) -> bool:
        if matcher.upkeep is None:  # not serving (the command line): the queue waits
            return False
        return await bus.handle(command, context) is not None

    thresholds = _thresholds(settings)
    model = serving_model(matcher, runtime.sessions)
    return DuplicatePass(runtime.sessions, model, thresholds, merge, ask, settle)


def _thresholds(settings: IdentitySettings) -> Thresholds:
    return Thresholds(
        settings.identity_match_link_threshold, settings.identity_match_review_threshold
    )


def sign_in_throttle(settings: IdentitySettings, clock: Clock = utc_now) -> SignInThrottle:
    """Delays after failed sign-ins as the settings say (``adapters.throttle``)."""
    storage = settings.rate_limit_storage
    first, cap = settings.identity_backoff_first_s, settings.identity_backoff_cap_s
    free = settings.identity_address_free_failures
    return SignInThrottle(
        pairs=Backoff("identity-sign-in", storage, clock=clock, first=first, cap=cap),
        addresses=Backoff(
            "identity-sign-in-address", storage, clock=clock, first=first, cap=cap, free=free
        ),
        accounts=Backoff("identity-sign-in-account", storage, clock=clock, cap=0),
        alarm_after=settings.identity_sign_in_alarm_after,
    )


def _dependencies(settings: IdentitySettings, access: Access, matcher: Matcher) -> dict[str, Any]:
    """What the handlers name besides the command and the unit of work (and the clock)."""
    return {
        "access": access,
        "policy": _session_policy(settings, access.sign_in),
        "matcher": matcher,
        "thresholds": _thresholds(settings),
        "hash_password": access.hash_password,
        "verify_password": access.verify_password,
        "sign_in": access.sign_in,
    }


def _units_of_work(
    runtime: ServiceRuntime, master_keys: MasterKeys, matcher: Matcher, clock: Clock
) -> Callable[[], UnitOfWork]:
    assert runtime.outbox is not None
    outbox = runtime.outbox

    def unit_of_work() -> UnitOfWork:
        return UnitOfWork(
            runtime.sessions,
            outbox,
            master_keys,
            clock=clock,
            residents_changed=matcher.residents_changed,
        )

    return unit_of_work


def _access(
    settings: IdentitySettings,
    master_keys: MasterKeys,
    sign_in: SignInThrottle,
    hash_password: officer_handlers.Hash,
    verify_password: officer_handlers.Verify,
) -> Access:
    code_hasher = CodeHasher(master_keys)
    return Access(
        code_hash=code_hasher,
        code_hashes=code_hasher.candidates,
        sign_in=sign_in,
        codes_sent=RateLimit(
            "identity-codes-sent",
            settings.identity_code_issue_limit,
            settings.rate_limit_storage,
        ),
        hash_password=hash_password,
        verify_password=verify_password,
    )


def _matcher(settings: IdentitySettings) -> Matcher:
    if settings.identity_matcher == "exact":
        return ExactMatchPlaceholder()
    return LinkageMatcher(
        min_population=settings.identity_linkage_min_population,
        wait_s=settings.identity_linkage_wait_s,
    )


def linkage_schedule(settings: IdentitySettings) -> Schedule:
    """When the matcher retrains, snapshots its index and looks for newer models."""
    return Schedule(
        retrain_every_s=settings.identity_linkage_retrain_every_s,
        snapshot_every_s=settings.identity_linkage_snapshot_every_s,
        poll_models_every_s=settings.identity_linkage_poll_models_every_s,
    )


def _session_policy(settings: IdentitySettings, sign_in: SignInThrottle) -> SessionPolicy:
    return SessionPolicy(
        officer_lifetime=timedelta(seconds=settings.identity_officer_session_ttl_s),
        resident_lifetime=timedelta(seconds=settings.identity_resident_session_ttl_s),
        throttle=sign_in,
    )
