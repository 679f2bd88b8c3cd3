"""What callers ask identity to do."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class RegisterResident:
    given_name: str
    family_name: str
    channel: str
    date_of_birth: date | None = None
    email: str | None = None
