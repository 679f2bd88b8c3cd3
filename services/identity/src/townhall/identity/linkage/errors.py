"""Errors raised by the record-linkage engine."""


class LinkageError(Exception):
    """Base of every record-linkage error."""


class InvalidRecordError(LinkageError, ValueError):
    """A record was refused: the message names the field and the reason."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class UnknownResidentError(LinkageError, KeyError):
    """The index holds no resident with this id."""


class ModelNotTrainedError(LinkageError):
    """Training could not estimate the parameters the matcher needs."""
