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
