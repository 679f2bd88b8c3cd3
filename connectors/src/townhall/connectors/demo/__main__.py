"""`python -m townhall.connectors.demo`: the demo legacy systems (see the package doc)."""

from townhall.connectors.demo.service import DemoSettings, create
from townhall.runtime.service import serve


def main() -> None:
    settings = DemoSettings()
    serve(create(settings), settings)


if __name__ == "__main__":
    main()
