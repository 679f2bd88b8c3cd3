"""`python -m townhall.identity`: run the service, or one of its admin commands."""

from townhall.identity.cli import main

if __name__ == "__main__":
    main()
