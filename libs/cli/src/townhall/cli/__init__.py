"""Townhall."""
