"""Evidence: files residents and officers add to a case, and their removal on erasure.

Who may add one: the case's resident (at any level: below ``ACCOUNT`` the access table
admits a tracking token only for the request it names; a claim not yet confirmed
first) while the request is open (a resolved or ended one refuses them: 409,
``closed``), an officer who works the case's area, or one who may raise requests for it
(the contact centre, taking a document at the counter). Anyone else is answered as if
the case did not exist (404). Who may list and download them: whoever may read the case.

An upload is admitted before it is read (:func:`admit_evidence`), then read and checked
by the store (staged), then kept with its record and event in one transaction
(:func:`add_evidence`): a refusal at any step keeps nothing.
"""

from __future__ import annotations

import structlog

from townhall.cases.adapters.evidence_store import EvidenceStore
from townhall.cases.domain import commands
from townhall.cases.domain.evidence import Evidence, EvidenceLimits, StagedFile, safe_filename
from townhall.cases.domain.exceptions import (
    CaseNotFoundError,
    NotPermittedError,
    RequestFinishedError,
    TooMuchEvidenceError,
)
from townhall.cases.domain.model import Case
from townhall.cases.service_layer.handlers import load
from townhall.cases.service_layer.permissions import (
    actor_label,
    may_work,
    takes_contacts,
)
from townhall.cases.service_layer.unit_of_work import UnitOfWork
from townhall.runtime.clock import Clock

log = structlog.get_logger(__name__)


def require_evidence_adder(actor: commands.Actor, case: Case) -> None:
    """Whether ``actor`` may add evidence to ``case``; see the module docstring."""
    kind = case.service_type
    if actor.kind == "officer" and (
        takes_contacts(actor) or may_work(actor, kind.domain, kind.sensitivity)
    ):
        return
    theirs = case.resident_id is not None and str(case.resident_id) == actor.subject
    if actor.kind != "resident" or not theirs:
        raise CaseNotFoundError(case.reference)
    if case.claim_pending:
        raise NotPermittedError("confirm that this request is yours before adding files to it")
    if not case.is_open:
        raise RequestFinishedError(case.reference)


async def _admitted(
    uow: UnitOfWork, reference: str, actor: commands.Actor, limits: EvidenceLimits
) -> Case:
    case = await load(uow, reference)
    require_evidence_adder(actor, case)
    if await uow.evidence.count(case.id) >= limits.max_files:
        raise TooMuchEvidenceError(reference, limits.max_files)
    return case


async def admit_evidence(
    cmd: commands.AdmitEvidence, uow: UnitOfWork, *, evidence_limits: EvidenceLimits
) -> None:
    """Refuse before the file is read: unknown case, not the caller's, full already."""
    async with uow:
        await _admitted(uow, cmd.reference, cmd.actor, evidence_limits)


async def add_evidence(
    cmd: commands.AddEvidence,
    uow: UnitOfWork,
    *,
    clock: Clock,
    evidence_store: EvidenceStore,
    evidence_limits: EvidenceLimits,
) -> Evidence:
    """Keep the staged file as the case's evidence, recorded and published together."""
    staged = cmd.staged
    async with uow:
        case = await _admitted(uow, cmd.reference, cmd.actor, evidence_limits)
        evidence = case.add_evidence(
            filename=safe_filename(cmd.filename, staged.content_type),
            content_type=staged.content_type,
            size_bytes=staged.size_bytes,
            sha256=staged.sha256,
            by=actor_label(cmd.actor),
            now=clock(),
            kept=await uow.evidence.count(case.id),
            limit=evidence_limits.max_files,
        )
        await uow.cases.save(case)
        await _keep_and_commit(uow, evidence_store, staged)
    return evidence


async def _keep_and_commit(uow: UnitOfWork, store: EvidenceStore, staged: StagedFile) -> None:
    """Keep the file, then commit its record and event; when the commit fails (the
    resident's data key unavailable, a concurrent change) a file this upload brought
    is removed again, so no file is left that no record names (erasure finds files
    through their records)."""
    brought = not await store.contains(staged.sha256)
    await store.keep(staged)
    try:
        await uow.commit()
    except BaseException:
        if brought:
            await store.remove(staged.sha256)
        raise


async def remove_erased_evidence(
    cmd: commands.RemoveErasedEvidence, uow: UnitOfWork, *, evidence_store: EvidenceStore
) -> int:
    """Remove the files erasures queued that no case uses any more; how many."""
    async with uow:
        unused, used = await uow.evidence.removals(cmd.limit)
        for digest in unused:
            await evidence_store.remove(digest)
        await uow.evidence.unqueue(unused + used)
        await uow.commit()
    if unused:
        log.info("evidence_removed", files=len(unused))
    return len(unused)
