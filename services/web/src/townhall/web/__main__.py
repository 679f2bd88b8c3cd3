"""`python -m townhall.web`: run the front door."""

from townhall.runtime.service import serve
from townhall.web.app import create
from townhall.web.config import WebSettings


def main() -> None:
    settings = WebSettings()
    serve(create(settings), settings)


if __name__ == "__main__":
    main()
