"""The cases service's HTTP application."""

from fastapi import FastAPI

from townhall.cases.config import CasesSettings
from townhall.runtime.service import health_only_app


def create(settings: CasesSettings | None = None) -> FastAPI:
    return health_only_app((settings or CasesSettings()).service_name)
