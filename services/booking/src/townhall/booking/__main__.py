"""`python -m townhall.booking`: run the service."""

from townhall.booking.config import BookingSettings
from townhall.booking.entrypoints.api.app import create
from townhall.runtime.service import serve


def main() -> None:
    settings = BookingSettings()
    serve(create(settings), settings)


if __name__ == "__main__":
    main()
