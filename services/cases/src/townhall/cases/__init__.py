"""Townhall cases: the service catalogue, cases and their lifecycle, contacts, Open311."""
