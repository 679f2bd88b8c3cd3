"""`python -m townhall.cases`: run the service."""

from townhall.cases.app import create
from townhall.cases.config import CasesSettings
from townhall.runtime.service import serve


def main() -> None:
    settings = CasesSettings()
    serve(create(settings), settings)


if __name__ == "__main__":
    main()
