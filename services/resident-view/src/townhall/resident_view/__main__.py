"""`python -m townhall.resident_view`: run the service."""

from townhall.resident_view.config import ResidentViewSettings
from townhall.resident_view.entrypoints.api.app import create
from townhall.runtime.service import serve


def main() -> None:
    settings = ResidentViewSettings()
    serve(create(settings), settings)


if __name__ == "__main__":
    main()
