"""The resident front door: report or request something from the catalogue, and track it."""
