"""Fixtures and marks shared by every package's tests live in the runtime's test kit."""

pytest_plugins = [
    "pytester",
    "townhall.runtime.testkit.fixtures",
    "townhall.runtime.testkit.markers",
]
