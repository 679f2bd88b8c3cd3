"""`python -m townhall.payments`: run the service."""

from townhall.payments.app import create
from townhall.payments.config import PaymentsSettings
from townhall.runtime.service import serve


def main() -> None:
    settings = PaymentsSettings()
    serve(create(settings), settings)


if __name__ == "__main__":
    main()
