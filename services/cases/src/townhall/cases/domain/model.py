"""The case aggregate. It records events; the unit of work publishes them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from townhall.cases.domain import events
from townhall.cases.domain.catalogue import (
    FINISHED_STATES,
    INITIAL_STATE,
    TERMINAL_STATES,
    ServiceType,
)
from townhall.cases.domain.commands import Location, Reporter
from townhall.cases.domain.evidence import Evidence
from townhall.cases.domain.exceptions import (
    NotAClaimError,
    ResidentErasedError,
    TooMuchEvidenceError,
    TransitionNotAllowedError,
)


@dataclass(frozen=True)
class Note:
    id: uuid.UUID
    public: bool
    text: str
    author: str
    created_at: datetime


def reference_for(service_type: ServiceType, year: int, number: int) -> str:
    """A human-friendly reference, e.g. ``PC-2026-000123``."""
    return f"{service_type.prefix}-{year}-{number:06d}"


@dataclass
class Case:
    id: uuid.UUID
    reference: str
    service_type: ServiceType
    status: str
    channel: str
    details: dict[str, object]
    description: str
    created_at: datetime
    due_at: datetime
    resident_id: uuid.UUID | None = None
    reporter: Reporter = field(default_factory=Reporter)
    location: Location | None = None
    team: str | None = None
    officer: str | None = None
    breached_at: datetime | None = None
    updated_at: datetime | None = None
    #: Matched to ``resident_id`` only by what an unproven reporter said (a claim).
    reporter_claimed: bool = False
    reporter_confirmed_at: datetime | None = None
    #: When its resident's personal data was erased (the record of work stays).
    erased_at: datetime | None = None
    #: Identity could not say whose it is when it was submitted: when to ask again, and
    #: how many times it has been asked since (None: nothing to ask).
    match_due_at: datetime | None = None
    match_attempts: int = 0
    version: int = 0
    new_notes: list[Note] = field(default_factory=list, repr=False, compare=False)
    new_evidence: list[Evidence] = field(default_factory=list, repr=False, compare=False)
    events: list[events.DomainEvent] = field(default_factory=list, repr=False, compare=False)

    @classmethod
    def submit(
        cls,
        *,
        reference: str,
        service_type: ServiceType,
        channel: str,
        submitted_by: str,
        details: dict[str, object],
        now: datetime,
        id: uuid.UUID | None = None,
        raised_by: str | None = None,
        **extra: object,
    ) -> Case:
        case = cls(
            id=id or uuid.uuid4(),
            reference=reference,
            service_type=service_type,
            status=INITIAL_STATE,
            channel=channel,
            details=details,
            created_at=now,
            due_at=now + service_type.sla,
            updated_at=now,
            **extra,  # type: ignore[arg-type]
        )
        where = case.location or Location()
        case.events.append(
            events.CaseSubmitted(
                **case._identity(),
                status=case.status,
                channel=channel,
                submitted_by=submitted_by,
                due_at=case.due_at,
                fee_pence=service_type.fee_pence,
                reporter_claimed=case.reporter_claimed,
                raised_by=raised_by,
                postcode_sector=where.postcode_sector,
                postcode=where.postcode,
                uprn=where.uprn,
                service_names=service_type.names,
            )
        )
        return case

    @property
    def claim_pending(self) -> bool:
        """Reported in the resident's name by someone unproven, and not yet confirmed."""
        return self.reporter_claimed and self.reporter_confirmed_at is None

    def confirm_reporter(self, *, by: str, now: datetime) -> bool:
        """The resident confirms the claim: once (False when it already was)."""
        if not self.reporter_claimed:
            raise NotAClaimError(self.reference)
        if self.reporter_confirmed_at is not None:
            return False
        self.reporter_confirmed_at, self.updated_at = now, now
        self.events.append(events.CaseReporterConfirmed(**self._identity(), confirmed_by=by))
        return True

    def await_match(self, *, due_at: datetime) -> None:
        """Identity could not answer whose request this is: ask again at ``due_at``."""
        if self.resident_id is None:
            self.match_due_at = due_at

    def match_unanswered(self, *, retry_at: datetime) -> None:
        """Identity still could not answer: one more attempt, the next at ``retry_at``."""
        self.match_attempts += 1
        self.match_due_at = retry_at

    def matched(self, resident_id: uuid.UUID | None, *, now: datetime) -> bool:
        """Identity answered: the reporter is ``resident_id`` (a claim, as at submission),
        or nobody it knows (None). Either way there is nothing more to ask. True when the
        case now has a resident, and the event that brings it to their timeline."""
        self.match_due_at = None
        if resident_id is None or self.resident_id is not None:
            return False
        self.resident_id, self.reporter_claimed, self.updated_at = resident_id, True, now
        self.events.append(
            events.CaseResidentMatched(
                **self._identity(),
                status=self.status,
                channel=self.channel,
                submitted_at=self.created_at,
                due_at=self.due_at,
                fee_pence=self.service_type.fee_pence,
            )
        )
        return True

    @property
    def is_open(self) -> bool:
        return self.status not in FINISHED_STATES

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL_STATES

    def can_move_to(self, target: str) -> bool:
        return self.service_type.lifecycle.allows(self.status, target)

    def move_to(
        self,
        target: str,
        *,
        reason: str,
        by: str,
        now: datetime,
        reason_code: str | None = None,
        reason_params: dict[str, int | str] | None = None,
    ) -> None:
        """Change status along an allowed transition, or refuse. Cases' own reasons
        come with a code and facts as well as the English (an officer's never do)."""
        if not self.can_move_to(target):
            raise TransitionNotAllowedError(self.reference, self.status, target)
        source, self.status, self.updated_at = self.status, target, now
        self.events.append(
            events.CaseStatusChanged(
                **self._identity(),
                from_status=source,
                to_status=target,
                reason=reason,
                changed_by=by,
                reason_code=reason_code,
                reason_params=reason_params,
            )
        )

    def assign(self, *, team: str, officer: str | None, by: str, now: datetime) -> None:
        self.team, self.officer, self.updated_at = team, officer, now
        self.events.append(
            events.CaseAssigned(**self._identity(), team=team, officer=officer, assigned_by=by)
        )

    def add_note(
        self, *, text: str, public: bool, by: str, now: datetime, text_code: str | None = None
    ) -> Note:
        """A note; a public one cases writes itself also gives its words' code."""
        self._refuse_if_erased()
        note = Note(uuid.uuid4(), public, text, by, now)
        self.new_notes.append(note)
        self.updated_at = now
        if public:
            self.events.append(
                events.CaseUpdatePosted(
                    **self._identity(), note_id=note.id, text=text, author=by, text_code=text_code
                )
            )
        else:
            self.events.append(
                events.CaseInternalNoteAdded(
                    **self._identity(), note_id=note.id, text=text, author=by
                )
            )
        return note

    def add_evidence(
        self,
        *,
        filename: str,
        content_type: str,
        size_bytes: int,
        sha256: str,
        by: str,
        now: datetime,
        kept: int,
        limit: int,
    ) -> Evidence:
        """Record a file of evidence (``kept``: how many the case has already; at most
        ``limit``). The file itself is the store's; the case records what it is."""
        self._refuse_if_erased()
        if kept >= limit:
            raise TooMuchEvidenceError(self.reference, limit)
        evidence = Evidence(uuid.uuid4(), filename, content_type, size_bytes, sha256, by, now)
        self.new_evidence.append(evidence)
        self.updated_at = now
        self.events.append(
            events.CaseEvidenceAdded(
                **self._identity(),
                evidence_id=evidence.id,
                filename=filename,
                content_type=content_type,
                size_bytes=size_bytes,
                sha256=sha256,
                added_by=by,
            )
        )
        return evidence

    def erase_personal_data(self, now: datetime) -> bool:
        """Blank everything that could identify its resident (GDPR erasure): who
        reported it and how to reach them, where, what they wrote, what they typed into
        the form. Kept, because the council must keep a record of work done: reference,
        type, status, dates, SLA, team, the answers chosen from closed lists.

        No event: nothing personal was ever published, so there is nothing to correct.
        Once only (False when it already was).
        """
        if self.erased_at is not None:
            return False
        self.reporter, self.location, self.description = Reporter(), None, ""
        self.details = self.service_type.kept_on_erasure(self.details)
        self.erased_at = now
        return True

    def _refuse_if_erased(self) -> None:
        """What someone writes about an erased resident would be their personal data
        again, in clear in cases' store (the published copy has no key to seal under)."""
        if self.erased_at is not None:
            raise ResidentErasedError(self.reference)

    def sla_breached(self, now: datetime) -> bool:
        """Record the breach of the SLA once, if it has passed while the case is open."""
        if self.breached_at is not None or not self.is_open or now < self.due_at:
            return False
        self.breached_at = now
        self.events.append(
            events.CaseSlaBreached(
                **self._identity(), status=self.status, due_at=self.due_at, breached_at=now
            )
        )
        return True

    def _identity(self) -> dict[str, Any]:
        return {
            "case_id": self.id,
            "reference": self.reference,
            "service_code": self.service_type.code,
            "domain": self.service_type.domain,
            "sensitivity": self.service_type.sensitivity,
            "resident_id": self.resident_id,
        }
