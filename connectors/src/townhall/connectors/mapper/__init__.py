"""The legacy mapper: legacy systems' change events onto residents' timelines.

A connector (``python -m townhall.connectors``, or Debezium Kafka Connect in production)
writes each row change of a legacy database to ``legacy.<system>.<table>`` in Debezium's
envelope. The mapper reads those topics as one consumer group and applies the council's
mapping file for each system (:mod:`townhall.connectors.mapping`):

- a change to a **people** table is a claim about a person: it is matched through
  identity's ``POST /records/match`` with the row's key as the reference in that system
  (so the next change to the same row goes to the same resident without matching again),
  and the answer (linked, created, waiting in the review queue, or erased: the
  person's resident was erased after the change's source timestamp) is kept;
- a change to an **interaction** table becomes a ``townhall.legacy.entry.recorded.v1``
  event for each resident the row's person is, written through the outbox to
  ``legacy.events``; a change whose person has no resident yet waits, and is published
  when the person's row is matched; an erased person's entries are dropped, counted.

Repeats (a connector restarted, a broker reset) carry the same log position, so the
consumer's deduplication drops them; what cannot be read or mapped goes to the group's
dead-letter topic with the reason.
"""
