"""The payments domain: standard library only."""
