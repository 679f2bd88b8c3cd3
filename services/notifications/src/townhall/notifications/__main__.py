"""`python -m townhall.notifications`: run the service."""

from townhall.notifications.config import NotificationsSettings
from townhall.notifications.entrypoints.api.app import create
from townhall.runtime.service import serve


def main() -> None:
    settings = NotificationsSettings()
    serve(create(settings), settings)


if __name__ == "__main__":
    main()
