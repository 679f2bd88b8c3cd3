"""Townhall identity: the single resident record."""
