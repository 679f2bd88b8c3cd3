"""The resident as search knows them, shared by both sides; no SQL, no I/O.

The write side folds identity's personal data into a :class:`.record.ResidentRecord`
and indexes it under the terms of :mod:`.search_keys`; the read side looks those terms
up and ranks the records it finds.
"""
