"""Request and response bodies of identity's HTTP API."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, StringConstraints

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


def _plausible_birth_date(value: date | None) -> date | None:
    if value is not None and not date(1900, 1, 1) <= value <= date.today():
        raise ValueError("date of birth must be between 1900-01-01 and today")
    return value


class RegisterResidentRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    given_name: Name
    family_name: Name
    date_of_birth: Annotated[date | None, AfterValidator(_plausible_birth_date)] = None
    email: EmailStr | None = None
    channel: Literal["online", "phone", "face_to_face", "email", "letter"] = "online"


class ResidentCreated(BaseModel):
    id: UUID
