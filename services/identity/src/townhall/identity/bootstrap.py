"""The composition root: every adapter is an argument with a production default."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from townhall.identity.adapters import passwords
from townhall.identity.adapters.codes import CodeHasher, Mailbox
from townhall.identity.adapters.linkage_matcher import LinkageMatcher
from townhall.identity.adapters.master_keys import MasterKeys
from townhall.identity.adapters.throttle import Throttle
from townhall.identity.domain import commands
from townhall.identity.service_layer import (
    access_handlers,
    client_handlers,
    handlers,
    matching_handlers,
    officer_handlers,
    session_handlers,
)
from townhall.identity.service_layer.access_handlers import Access
from townhall.identity.service_layer.matching import (
    IncomingRecord,
    Matcher,
    Thresholds,
)
from townhall.identity.service_layer.session_handlers import SessionPolicy
from townhall.identity.service_layer.unit_of_work import UnitOfWork
from townhall.runtime.clock import Clock, utc_now
from townhall.runtime.messagebus import MessageBus
from townhall.runtime.outbox import Outbox

Handler = Callable[..., Awaitable[Any]]


#: Every command and the one handler that answers it. A handler names what else it
#: needs (``clock``, ``access``, ``policy``...); the bus passes it from ``bootstrap``.
COMMANDS: dict[type, Handler] = {
    commands.RegisterResident: handlers.register_resident,
    commands.ChangeName: handlers.change_name,
    commands.SetPreferredLanguage: handlers.set_preferred_language,
    commands.MoveResident: handlers.move_resident,
    commands.AddContactPoint: handlers.add_contact_point,
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
    commands.AuthenticateResident: access_handlers.authenticate_resident,
    client_handlers.RegisterServiceClient: client_handlers.register_client,
    client_handlers.AuthenticateServiceClient: client_handlers.authenticate_client,
    commands.StartSession: session_handlers.start_session,
    commands.RefreshSession: session_handlers.refresh_session,
    commands.EndSession: session_handlers.end_session,
    commands.RevokeOfficerSessions: session_handlers.revoke_officer_sessions,
    IncomingRecord: matching_handlers.match_record,
    commands.DecideReview: matching_handlers.decide_review,
    commands.MergeResidents: matching_handlers.merge_residents,
    commands.UnmergeResidents: matching_handlers.unmerge_residents,
}


def bootstrap(
    *,
    sessions: async_sessionmaker[AsyncSession],
    outbox: Outbox,
    master_keys: MasterKeys,
    throttle: Throttle | None = None,
    session_policy: SessionPolicy | None = None,
    mailbox: Mailbox | None = None,
    matcher: Matcher | None = None,
    thresholds: Thresholds | None = None,
    hash_password: officer_handlers.Hash = passwords.hash_password,
    verify_password: officer_handlers.Verify = passwords.verify_password,
    clock: Clock = utc_now,
) -> MessageBus[UnitOfWork]:
    code_hasher = CodeHasher(master_keys)
    access = Access(
        code_hash=code_hasher,
        code_hashes=code_hasher.candidates,
        mailbox=mailbox or Mailbox(),
        throttle=throttle or Throttle(),
        hash_password=hash_password,
        verify_password=verify_password,
    )
    matcher = matcher or LinkageMatcher()
    dependencies = {
        "clock": clock,
        "access": access,
        "policy": session_policy or SessionPolicy(),
        "matcher": matcher,
        "thresholds": thresholds or Thresholds(),
        "hash_": hash_password,
        "verify": verify_password,
        "throttle": access.throttle,
    }
    return MessageBus(
        uow_factory=lambda: UnitOfWork(
            sessions, outbox, master_keys, clock=clock, residents_changed=matcher.residents_changed
        ),
        commands=COMMANDS,
        dependencies=dependencies,
    )
