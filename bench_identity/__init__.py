"""`make bench-identity`: record-linkage quality and speed for Townhall identity."""
