"""Townhall cases service.

Its issue has not landed yet: it serves /healthz, /readyz and /metrics only.
"""
