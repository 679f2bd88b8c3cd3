"""Townhall web: the front door (server-rendered pages arrive with the web issue)."""
