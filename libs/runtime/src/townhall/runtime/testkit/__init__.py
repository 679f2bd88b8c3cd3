"""Test kit: fixtures, a probe service and subprocess workers for the runtime's promises."""
