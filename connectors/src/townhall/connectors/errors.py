"""Errors every source shares."""

from __future__ import annotations


class SourceError(RuntimeError):
    """The source database is not as the configuration says (a missing table, no binlog)."""
