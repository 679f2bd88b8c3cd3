"""An in-memory stand-in for identity's data keys (:mod:`townhall.runtime.data_keys`).

Every resident has a key from the first time one is asked for, until the test erases
them; ``down = True`` makes identity unreachable::

    keys = FakeDataKeys()
    blob = seal({"text": "hi"}, keys.key_of(rid), context=resident_context(rid))
    keys.erase(rid)  # now get(rid) is None, as after identity's erasure
"""

from __future__ import annotations

from uuid import UUID

from townhall.runtime.crypto import generate_key
from townhall.runtime.data_keys import DataKeyUnavailableError


class FakeDataKeys:
    """Keys made on demand; erased residents have none; ``down`` means unavailable."""

    def __init__(self) -> None:
        self.keys: dict[str, bytes] = {}
        self.erased: set[str] = set()
        self.forgotten: list[str] = []
        self.asked: list[str] = []
        self.down = False

    async def get(self, resident_id: str | UUID) -> bytes | None:
        self.asked.append(str(resident_id))
        if self.down:
            raise DataKeyUnavailableError("identity is down (fake)")
        return self.key_of(resident_id)

    def key_of(self, resident_id: str | UUID) -> bytes | None:
        """The resident's key as identity holds it (made now if they have none yet)."""
        rid = str(resident_id)
        if rid in self.erased:
            return None
        return self.keys.setdefault(rid, generate_key())

    def erase(self, resident_id: str | UUID) -> None:
        """Destroy the resident's key, as identity does on erasure."""
        self.erased.add(str(resident_id))
        self.keys.pop(str(resident_id), None)

    def forget(self, resident_id: str | UUID) -> None:
        self.forgotten.append(str(resident_id))

    async def aclose(self) -> None:
        return None
