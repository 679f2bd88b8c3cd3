"""The booking service's HTTP application."""

from fastapi import FastAPI

from townhall.booking.config import BookingSettings
from townhall.runtime.service import health_only_app


def create(settings: BookingSettings | None = None) -> FastAPI:
    return health_only_app(settings or BookingSettings())
