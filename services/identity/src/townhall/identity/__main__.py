"""`python -m townhall.identity`: run the service."""

from townhall.identity.config import IdentitySettings
from townhall.identity.entrypoints.api.app import create
from townhall.runtime.service import serve


def main() -> None:
    settings = IdentitySettings()
    serve(create(settings), settings)


if __name__ == "__main__":
    main()
