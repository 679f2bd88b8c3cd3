"""Identity's domain errors; the API maps them to problem responses in one place."""

from __future__ import annotations


class IdentityError(Exception):
    """Base of every identity domain error."""


class DuplicateEmailError(IdentityError):
    def __init__(self, email: str):
        super().__init__("an account with this email address already exists")
        self.email = email


class ContactPointTakenError(IdentityError):
    """Told only to officers, who may look residents up anyway (see ``handlers``)."""

    def __init__(self, kind: str):
        what = "email address" if kind == "email" else "phone number"
        super().__init__(f"this {what} belongs to another resident")


class NotFoundError(IdentityError):
    def __init__(self, what: str, ident: object):
        super().__init__(f"no {what} with id {ident}")


class UnknownDomainError(IdentityError):
    def __init__(self, domain: str):
        super().__init__(f"unknown service domain {domain!r}")


class RoleNotHeldError(IdentityError):
    def __init__(self, domain: str):
        super().__init__(f"the officer holds no role in {domain!r}")


class InvalidCredentialsError(IdentityError):
    def __init__(self) -> None:
        super().__init__("the email address or password is not right")


class TooManyAttemptsError(IdentityError):
    def __init__(self, retry_after: int):
        super().__init__("too many failed attempts; try again later")
        self.retry_after = retry_after


class InvalidCodeError(IdentityError):
    def __init__(self) -> None:
        super().__init__("the code is wrong, expired or already used")


class DuplicateIdentifierError(IdentityError):
    def __init__(self, system: str):
        super().__init__(f"this {system} identifier already belongs to another resident")


class ResidentErasedError(IdentityError):
    def __init__(self) -> None:
        super().__init__("the resident's personal data has been erased")


class RequestNamedAlreadyError(IdentityError):
    """A code to report has named the request made with it already: it names one."""

    def __init__(self) -> None:
        super().__init__("this code has named its request already: ask for a code to follow")


class InvalidChangeError(IdentityError):
    """A change the domain refuses (e.g. raising assurance to a lower level)."""


class EmailNotVerifiedError(IdentityError):
    def __init__(self) -> None:
        super().__init__("verify your email address first: use the code we sent")


class AlreadyExistsError(IdentityError):
    """Something with this name exists already (e.g. a service client)."""


class InvalidRefreshTokenError(IdentityError):
    def __init__(self) -> None:
        super().__init__("the refresh token is unknown, expired or revoked: sign in again")


class RefreshTokenReusedError(InvalidRefreshTokenError):
    """A spent refresh token came back: someone else holds a copy of it."""

    def __init__(self, family_id: object):
        super().__init__()
        self.family_id = family_id
