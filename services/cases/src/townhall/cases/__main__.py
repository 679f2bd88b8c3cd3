"""`python -m townhall.cases`: run the service."""

from townhall.cases.config import CasesSettings
from townhall.cases.entrypoints.api.app import create
from townhall.runtime.service import serve


def main() -> None:
    settings = CasesSettings()
    serve(create(settings), settings)


if __name__ == "__main__":
    main()
