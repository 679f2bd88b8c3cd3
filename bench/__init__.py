"""`make bench`: throughput and latency of the event pipeline, as ratios of a baseline."""
