"""Request and response bodies of the notifications API."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

Channel = Literal["email", "sms", "letter"]


class PreferencesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    channels: list[Channel] = Field(default=[], max_length=3, description="In order of preference.")
    language: Literal["en", "cy"] | None = Field(default=None, description="None: identity's.")
    non_essential: bool = Field(default=True, description="False: only essential messages.")


class PreferencesOut(PreferencesIn):
    resident_id: UUID


class Receipt(BaseModel):
    """GOV.UK Notify's delivery receipt callback (the fields used; others are ignored)."""

    model_config = ConfigDict(extra="ignore")

    id: str = Field(max_length=64)
    reference: str = Field(max_length=64)
    status: Literal["delivered", "permanent-failure", "temporary-failure", "technical-failure"]
    notification_type: Literal["email", "sms", "letter"] | None = None
    completed_at: datetime | None = None
