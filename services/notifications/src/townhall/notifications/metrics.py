"""The notifications service's Prometheus counters (module level: once per process)."""

from prometheus_client import Counter

SKIPPED = Counter(
    "townhall_notifications_skipped",
    "Notifications not recorded or not sent, by reason (duplicate, resident_erased, "
    "no_resident, opted_out, unknown_receipt).",
    ["reason"],
)
SENT = Counter(
    "townhall_notifications_sent", "Messages a sender accepted, by channel.", ["channel"]
)
FAILED = Counter("townhall_notifications_failed", "Messages that failed, by reason.", ["reason"])
RECEIPTS = Counter(
    "townhall_notifications_receipts",
    "Delivery receipts, by status and effect.",
    ["status", "effect"],
)
