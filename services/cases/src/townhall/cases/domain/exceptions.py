"""Cases' domain errors; the API maps them to problem responses in one place."""

from __future__ import annotations


class CasesError(Exception):
    """Base of every cases domain error."""


class UnknownServiceTypeError(CasesError):
    def __init__(self, code: str):
        super().__init__(f"no service type with code {code!r}")
        self.code = code


class InvalidDetailsError(CasesError):
    """The details do not satisfy the service type's form."""

    def __init__(self, service_code: str, problems: list[tuple[str, str]]):
        listed = "; ".join(f"{path or '(form)'}: {msg}" for path, msg in problems)
        super().__init__(f"the details do not fit the {service_code} form: {listed}")
        self.problems = problems


class CaseNotFoundError(CasesError):
    def __init__(self, reference: str):
        super().__init__(f"no case with reference {reference!r}")
        self.reference = reference


class TransitionNotAllowedError(CasesError):
    def __init__(self, reference: str, source: str, target: str):
        super().__init__(f"case {reference} cannot go from {source} to {target}")
        self.source = source
        self.target = target


class InvalidChannelError(CasesError):
    """A request recorded as coming through a channel its caller cannot have used."""

    def __init__(self, channel: str, kind: str, allowed: tuple[str, ...]):
        listed = ", ".join(allowed)
        super().__init__(f"a request from {kind} cannot come through {channel!r}: use {listed}")
        self.channel = channel
        self.allowed = allowed


class UnknownFilterValueError(CasesError):
    """A queue filter names something that does not exist (a service type, an area)."""

    def __init__(self, parameter: str, value: str, known: list[str]):
        super().__init__(f"{parameter}: no such value {value!r}; known: {', '.join(known)}")
        self.parameter = parameter
        self.value = value


class NotPermittedError(CasesError):
    """The caller may not do this to this case."""


class NotAClaimError(CasesError):
    """Confirming who reported a case that was never only a claim."""

    def __init__(self, reference: str):
        super().__init__(f"case {reference} was not reported as a claim: nothing to confirm")


class ResidentErasedError(CasesError):
    """Writing about a resident whose personal data was erased: nothing more is kept."""

    def __init__(self, reference: str):
        super().__init__(
            f"the resident of case {reference} was erased: no notes or files are kept about "
            "them; the case's status can still change"
        )


class ConcurrentUpdateError(CasesError):
    def __init__(self, reference: str):
        super().__init__(f"case {reference} was changed by someone else; try again")


class MissingReporterError(CasesError):
    def __init__(self) -> None:
        super().__init__("a case needs a resident id, or a name with an email or phone")


class EvidenceRefusedError(CasesError):
    """A file of evidence that cannot be kept (its type, size or count); nothing is kept."""

    #: What the API says about it: ``type``, ``too_large``, ``empty``, ``too_many``,
    #: ``closed``, ``form``.
    reason = "refused"


class EvidenceTypeError(EvidenceRefusedError):
    reason = "type"

    def __init__(self, allowed: tuple[str, ...]):
        super().__init__(
            "the file is not a JPEG, PNG or PDF (its content was checked, not its name); "
            f"accepted: {', '.join(allowed)}"
        )
        self.allowed = allowed


class EvidenceTooLargeError(EvidenceRefusedError):
    reason = "too_large"

    def __init__(self, limit_bytes: int):
        super().__init__(f"the file is larger than {limit_bytes} bytes")
        self.limit_bytes = limit_bytes


class EmptyEvidenceError(EvidenceRefusedError):
    reason = "empty"

    def __init__(self) -> None:
        super().__init__("the file is empty")


class TooMuchEvidenceError(EvidenceRefusedError):
    reason = "too_many"

    def __init__(self, reference: str, limit: int):
        super().__init__(f"case {reference} already has {limit} files, the most it may have")
        self.limit = limit


class RequestFinishedError(EvidenceRefusedError):
    """Its resident adds files only while the request is open (not resolved or ended)."""

    reason = "closed"

    def __init__(self, reference: str):
        super().__init__(f"case {reference} is finished: it takes no more files from its resident")


class MalformedUploadError(EvidenceRefusedError):
    """The request is not one file in a ``multipart/form-data`` field named ``file``."""

    reason = "form"


class EvidenceNotFoundError(CasesError):
    def __init__(self, reference: str, evidence_id: object):
        super().__init__(f"case {reference} has no evidence {evidence_id}")
