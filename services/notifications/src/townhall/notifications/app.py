"""The notifications service's HTTP application."""

from fastapi import FastAPI

from townhall.notifications.config import NotificationsSettings
from townhall.runtime.service import health_only_app


def create(settings: NotificationsSettings | None = None) -> FastAPI:
    return health_only_app(settings or NotificationsSettings())
