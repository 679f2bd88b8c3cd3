"""Server-side sessions behind one cookie, with a CSRF token each.

The browser holds only a random session id, in an HttpOnly, SameSite=Lax cookie (Secure,
and named with the ``__Host-`` prefix, outside development). Everything else stays
here: the officer's tokens from identity, their language, the CSRF token every form
carries, and the purpose they gave for looking at each resident they found.

A visitor who has not signed in gets an anonymous session too: a language and a CSRF
token for the sign-in form, or a resident's answers while reporting and the short tokens
their one-time codes gave them. Signing in, and a resident's code, give a new session id,
so an id planted before is worth nothing after. A session ends when the officer signs
out, when it has been idle ``idle_s``, or when identity refuses to refresh its tokens.

:class:`MemorySessionStore` keeps sessions in this process: one web process, or sticky
routing. :class:`townhall.web.session_db.DatabaseSessionStore` (``WEB_SESSION_STORE=database``)
keeps them in web's database, so every replica sees the same sessions. Both answer
:class:`SessionStore`: a request loads its session, changes it, and the store saves it
before the response starts (``SessionCookie``).
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from pydantic import ConfigDict

COOKIE = "townhall_session"
SECURE_COOKIE = "__Host-townhall_session"
CSRF_FIELD = "csrf_token"


@dataclass
class Tokens:
    """What identity answered at sign-in or the last refresh."""

    access: str
    refresh: str
    #: On this store's clock: when the access token stops being accepted.
    expires_at: float


@dataclass(frozen=True)
class Officer:
    """Who is signed in, as identity's token says (for the page, not for access:
    every service checks the token itself)."""

    subject: str
    email: str
    roles: tuple[tuple[str, str], ...]

    @property
    def administrator(self) -> bool:
        return any(domain == "admin" for domain, _ in self.roles)


@dataclass
class Draft:
    """A request a resident is reporting, page by page, until it is sent."""

    service: str
    #: Every answer as typed (to show again and on "check your answers").
    values: dict[str, str] = field(default_factory=dict)
    #: The catalogue form's answers as cases takes them.
    details: dict[str, Any] = field(default_factory=dict)
    #: Which pages have been answered: details, where, contact.
    done: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class PendingCode:
    """A one-time code identity has been asked to send: to report ``draft`` (when
    ``following`` is None) or to follow the request ``following``."""

    reference: str
    sent_to: str
    following: str | None = None


@dataclass(frozen=True)
class ExportFile:
    """A file of evidence the export holds beside its data: where it goes in the zip,
    fetched from cases only when the export is downloaded."""

    reference: str
    evidence_id: str
    path: str
    size_bytes: int


@dataclass
class Export:
    """A resident's subject access export: prepared in the background, step by step,
    then its file, kept until ``expires_at`` (this store's clock) in this session only."""

    total: int
    done: int = 0
    failed: bool = False
    content: bytes | None = None
    #: The evidence files to put beside ``content`` in the downloaded zip.
    files: list[ExportFile] = field(default_factory=list)
    expires_at: float | None = None
    #: The background task preparing it (kept so it is not collected mid-way).
    task: asyncio.Task[None] | None = None


@dataclass(eq=False)
class Session:
    id: str
    csrf: str
    last_seen: float
    language: str = "en"
    officer: Officer | None = None
    tokens: Tokens | None = None
    #: Resident id -> why the officer is looking (asked with the search, audited upstream).
    purposes: dict[str, str] = field(default_factory=dict)
    #: Resident id -> the name the search showed (for the page's heading).
    names: dict[str, str] = field(default_factory=dict)
    #: A message for the next page shown (e.g. "you have signed out"), shown once.
    flash: str | None = None
    #: What the flash's placeholders stand for (e.g. a new request's reference).
    flash_args: dict[str, str] = field(default_factory=dict)
    #: A resident's request being reported, the code they were sent, the request they
    #: last sent (for its confirmation page), and a token per request they follow.
    draft: Draft | None = None
    pending: PendingCode | None = None
    sent: dict[str, str] = field(default_factory=dict)
    following: dict[str, Tokens] = field(default_factory=dict)
    #: Request reference -> the payment of its fee last started here: (id, provider page).
    payments: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: Request reference -> the property's postcode, when booking asked for it.
    postcodes: dict[str, str] = field(default_factory=dict)
    #: Request reference -> the slot held for it here (booking's hold, as it answered).
    holds: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: A resident signed in to their account (their id; ``tokens`` are theirs), and the
    #: export of their data being prepared or ready.
    resident: str | None = None
    export: Export | None = None
    #: An account being created: the code identity sent to prove its email.
    signing_up: PendingCode | None = None
    #: One refresh at a time: identity ends the whole session if a refresh token is
    #: presented twice, as two concurrent requests would.
    refreshing: asyncio.Lock = field(default_factory=asyncio.Lock)
    #: Ids this session had before (sign-in, a code proved): a shared store forgets them.
    replaced: list[str] = field(default_factory=list)
    #: Ended (signed out, or identity refused a refresh): never saved again.
    ended: bool = False

    #: Stored as JSON by a shared store (the lock is skipped, see ``session_db``).
    __pydantic_config__ = ConfigDict(arbitrary_types_allowed=True)

    @property
    def signed_in(self) -> bool:
        return self.officer is not None and self.tokens is not None

    def take_flash(self) -> tuple[str, dict[str, str]] | None:
        flash, self.flash = self.flash, None
        args, self.flash_args = self.flash_args, {}
        return (flash, args) if flash else None

    def csrf_matches(self, presented: str | None) -> bool:
        return presented is not None and secrets.compare_digest(presented, self.csrf)


def _new_id() -> str:
    return secrets.token_urlsafe(32)


def new_session(now: float, language: str = "en") -> Session:
    session = Session(id=_new_id(), csrf=secrets.token_urlsafe(32), last_seen=now)
    session.language = language
    return session


def renewed(session: Session) -> Session:
    """The same session under a new id and CSRF token; the old id is remembered until saved."""
    session.replaced.append(session.id)
    session.id, session.csrf = _new_id(), secrets.token_urlsafe(32)
    return session


def forget(session: Session) -> None:
    """What an ended session held, dropped from the object too (a request may still hold it)."""
    session.ended = True
    session.officer, session.tokens = None, None
    session.resident, session.signing_up = None, None
    if session.export is not None and session.export.task is not None:
        session.export.task.cancel()
    session.export = None
    session.purposes.clear()
    session.names.clear()
    session.draft, session.pending = None, None
    session.following.clear()
    session.payments.clear()


class SessionStore(Protocol):
    """Where sessions live between requests."""

    idle_s: float

    def clock(self) -> float:
        """Seconds on the store's clock (tokens' expiry is kept on it)."""
        ...

    async def load(self, session_id: str | None) -> Session | None:
        """The live session with this id (its idle time restarts), or None."""
        ...

    def new(self, language: str = "en") -> Session:
        """A new anonymous session (kept once saved)."""
        ...

    def renew(self, session: Session) -> Session:
        """The same session under a new id and CSRF token (at sign-in)."""
        ...

    async def save(self, session: Session) -> None:
        """Keep what the request changed (before its response starts)."""
        ...

    async def end(self, session: Session) -> None:
        """Forget the session now: its id opens nothing any more."""
        ...

    async def tokens(self, session: Session) -> Tokens | None:
        """The session's tokens as last saved (another replica may have refreshed them)."""
        ...


class MemorySessionStore:
    """Sessions in this process, dropped after ``idle_s`` without a request."""

    def __init__(
        self, *, idle_s: float, limit: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.idle_s = idle_s
        self.limit = limit
        self.clock = clock
        self._sessions: dict[str, Session] = {}

    def __len__(self) -> int:
        return len(self._sessions)

    def get(self, session_id: str | None) -> Session | None:
        """The live session with this id (its idle time restarts), or None."""
        if not session_id:
            return None
        session = self._sessions.get(session_id)
        now = self.clock()
        if session is None or now - session.last_seen > self.idle_s:
            self._sessions.pop(session_id, None)
            return None
        session.last_seen = now
        return session

    async def load(self, session_id: str | None) -> Session | None:
        return self.get(session_id)

    def new(self, language: str = "en") -> Session:
        self._make_room()
        session = new_session(self.clock(), language)
        self._sessions[session.id] = session
        return session

    def renew(self, session: Session) -> Session:
        """The same session under a new id and CSRF token (at sign-in)."""
        self._sessions.pop(session.id, None)
        renewed(session).replaced.clear()
        self._sessions[session.id] = session
        return session

    async def save(self, session: Session) -> None:
        """Nothing to do: the request changed the session held here."""

    async def end(self, session: Session) -> None:
        """Forget the session: its id opens nothing any more."""
        self._sessions.pop(session.id, None)
        forget(session)

    async def tokens(self, session: Session) -> Tokens | None:
        return session.tokens

    def _make_room(self) -> None:
        now = self.clock()
        for key, old in list(self._sessions.items()):
            if now - old.last_seen > self.idle_s:
                del self._sessions[key]
        if len(self._sessions) < self.limit:
            return
        anonymous = [s for s in self._sessions.values() if not s.signed_in]
        victims = sorted(anonymous or self._sessions.values(), key=lambda s: s.last_seen)
        for old in victims[: len(self._sessions) - self.limit + 1]:
            del self._sessions[old.id]
