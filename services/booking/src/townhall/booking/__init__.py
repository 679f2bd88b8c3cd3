"""Townhall booking service: slots, capacity, holds and appointments."""
