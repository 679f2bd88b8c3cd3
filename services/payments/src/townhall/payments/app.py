"""The payments service's HTTP application."""

from fastapi import FastAPI

from townhall.payments.config import PaymentsSettings
from townhall.runtime.service import health_only_app


def create(settings: PaymentsSettings | None = None) -> FastAPI:
    return health_only_app(settings or PaymentsSettings())
