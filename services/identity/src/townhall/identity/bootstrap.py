"""The composition root: every adapter is an argument with a production default."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial
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
from townhall.runtime.messagebus import MessageBus
from townhall.runtime.outbox import Outbox

Handler = Callable[..., Awaitable[Any]]


def _resident_handlers() -> dict[type, Handler]:
    return {
        commands.RegisterResident: handlers.register_resident,
        commands.ChangeName: handlers.change_name,
        commands.SetPreferredLanguage: handlers.set_preferred_language,
        commands.MoveResident: handlers.move_resident,
        commands.AddContactPoint: handlers.add_contact_point,
        commands.LinkIdentifier: handlers.link_identifier,
        commands.RaiseAssurance: handlers.raise_assurance,
        commands.ChangeConsent: handlers.change_consent,
        commands.EraseResident: handlers.erase_resident,
    }


def _access_handlers(access: Access) -> dict[type, Handler]:
    return {
        commands.CreateOfficer: partial(
            officer_handlers.create_officer, hash_=access.hash_password
        ),
        commands.GrantRole: officer_handlers.grant_role,
        commands.RevokeRole: officer_handlers.revoke_role,
        commands.AuthenticateOfficer: partial(
            officer_handlers.authenticate_officer,
            verify=access.verify_password,
            throttle=access.throttle,
        ),
        commands.StartTracking: partial(access_handlers.start_tracking, access=access),
        commands.SignUp: partial(access_handlers.sign_up, access=access),
        commands.RedeemCode: partial(access_handlers.redeem_code, access=access),
        commands.AuthenticateResident: partial(
            access_handlers.authenticate_resident, access=access
        ),
        client_handlers.RegisterServiceClient: partial(
            client_handlers.register_client, access=access
        ),
        client_handlers.AuthenticateServiceClient: partial(
            client_handlers.authenticate_client, access=access
        ),
    }


def _session_handlers(policy: SessionPolicy) -> dict[type, Handler]:
    return {
        commands.StartSession: partial(session_handlers.start_session, policy=policy),
        commands.RefreshSession: partial(session_handlers.refresh_session, policy=policy),
        commands.EndSession: partial(session_handlers.end_session, policy=policy),
        commands.RevokeOfficerSessions: partial(
            session_handlers.revoke_officer_sessions, policy=policy
        ),
    }


def _matching_handlers(matcher: Matcher, thresholds: Thresholds) -> dict[type, Handler]:
    return {
        IncomingRecord: partial(
            matching_handlers.match_record, matcher=matcher, thresholds=thresholds
        ),
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
    command_handlers = {
        **_resident_handlers(),
        **_access_handlers(access),
        **_session_handlers(session_policy or SessionPolicy()),
        **_matching_handlers(matcher, thresholds or Thresholds()),
    }
    return MessageBus(
        uow_factory=lambda: UnitOfWork(
            sessions, outbox, master_keys, residents_changed=matcher.residents_changed
        ),
        commands=command_handlers,
    )
