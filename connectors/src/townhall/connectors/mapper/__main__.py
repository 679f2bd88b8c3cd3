"""`python -m townhall.connectors.mapper`: run the legacy mapper."""

from townhall.connectors.mapper.service import MapperSettings, create
from townhall.runtime.service import serve


def main() -> None:
    settings = MapperSettings()
    serve(create(settings), settings)


if __name__ == "__main__":
    main()
