"""The base every event payload model derives from."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar

from pydantic import BaseModel, ConfigDict

from townhall.schemas.envelope import Envelope, Sensitivity


class DomainEvent(BaseModel):
    """An event's data. The class variables say how it is enveloped.

    Payloads are frozen and ignore unknown fields, so a producer may add optional
    fields (an additive change) without breaking consumers still on the old model.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    TYPE: ClassVar[str]
    SOURCE: ClassVar[str]
    DOMAIN: ClassVar[str]
    SENSITIVITY: ClassVar[Sensitivity] = Sensitivity.PERSONAL
    SUMMARY: ClassVar[str] = ""

    @property
    def subject(self) -> str:
        raise NotImplementedError

    def envelope_domain(self) -> str:
        """The service area the event belongs to; events of configurable service types
        (cases) override this to return their type's domain."""
        return self.DOMAIN

    def envelope_sensitivity(self) -> Sensitivity:
        """How sensitive this event is; override where it depends on the instance."""
        return Sensitivity(self.SENSITIVITY)

    def envelope_residentid(self) -> str | None:
        """The resident this event concerns: its ``resident_id`` field, if it has one."""
        value = getattr(self, "resident_id", None)
        return None if value is None else str(value)

    def to_envelope(
        self,
        *,
        sequence: int,
        time: datetime,
        correlation_id: str,
        causation_id: str | None = None,
    ) -> Envelope:
        """This event in its envelope, with a new id, as its source publishes it."""
        return Envelope(
            id=str(uuid.uuid4()),
            source=self.SOURCE,
            type=self.TYPE,
            time=time,
            subject=self.subject,
            residentid=self.envelope_residentid(),
            correlationid=correlation_id,
            causationid=causation_id,
            sensitivity=self.envelope_sensitivity(),
            domain=self.envelope_domain(),
            sequence=sequence,
            data=self.model_dump(mode="json"),
        )
