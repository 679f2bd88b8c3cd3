"""Fixtures shared by every package's tests live in the runtime's testing module."""

pytest_plugins = ["townhall.runtime.testkit.fixtures"]
