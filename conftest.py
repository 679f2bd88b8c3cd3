"""Fixtures and marks shared by every package's tests live in the runtime's test kit;
the platform the end-to-end tests share, in the command line's."""

pytest_plugins = [
    "pytester",
    "townhall.runtime.testkit.fixtures",
    "townhall.runtime.testkit.markers",
    "townhall.cli.shared_platform",
]
