"""Topic registry: every topic the platform uses is named here and created explicitly.

The embedded broker auto-creates unknown topics with 4 partitions on any metadata
request, so the platform never relies on that: ``all_topics()`` is created at start.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: One topic per producing service.
DOMAIN_TOPICS: dict[str, str] = {
    "identity": "identity.events",
    "cases": "cases.events",
    "booking": "booking.events",
    "payments": "payments.events",
    "notifications": "notifications.events",
    # the legacy mapper: legacy systems' changes, placed on residents' timelines
    "legacy": "legacy.events",
}

#: Platform control records (the broker epoch; see townhall.runtime.epoch).
CONTROL_TOPIC = "townhall.control"

#: Consumer groups, each with its dead-letter topic.
CONSUMER_GROUPS: tuple[str, ...] = (
    "resident-view",
    "cases",
    "booking",
    "payments",
    "notifications",
    "legacy-mapper",
)

#: Change events as a legacy system's connector writes them (Debezium's envelope), one
#: topic per system and table; only the legacy mapper reads them. (``legacy.events``,
#: two parts, is the mapper's own topic of Townhall events.)
LEGACY_TOPIC_PATTERN = re.compile(r"^legacy\.[a-z0-9_]+\.[a-z0-9_]+$")


@dataclass(frozen=True)
class TopicSpec:
    name: str
    partitions: int
    config: tuple[tuple[str, str], ...] = ()


def dlq_topic(group: str) -> str:
    return f"{group}.dlq"


def topic_for_source(service: str) -> str:
    return DOMAIN_TOPICS[service]


def all_topics(partitions: int = 4) -> list[TopicSpec]:
    """Every topic the platform needs, with ``partitions`` each (the control topic has 1)."""
    specs = [TopicSpec(CONTROL_TOPIC, 1, (("retention.ms", "-1"),))]
    specs += [TopicSpec(name, partitions) for name in DOMAIN_TOPICS.values()]
    specs += [TopicSpec(dlq_topic(group), partitions) for group in CONSUMER_GROUPS]
    return specs
