"""The notifications service's Prometheus counters (module level: once per process)."""

from prometheus_client import Counter

SKIPPED = Counter(
    "townhall_notifications_skipped",
    "Notifications not recorded or not sent, by reason: duplicate, no_data_key (the "
    "resident was erased, or identity is not configured), no_resident, opted_out, "
    "rule_removed.",
    ["reason"],
)
SENT = Counter(
    "townhall_notifications_sent", "Messages a sender accepted, by channel.", ["channel"]
)
FAILED = Counter("townhall_notifications_failed", "Messages that failed, by reason.", ["reason"])
RECEIPTS = Counter(
    "townhall_notifications_receipts",
    "Delivery receipts, by status and effect (applied, repeat).",
    ["status", "effect"],
)
