"""What plugs resident-view into the outside world, used by both sides.

* the database: :mod:`.orm` (the tables), :mod:`.entry_writer` (the projection's bulk
  insert of timeline entries), and one small module per table group the projection
  writes: :mod:`.consents`, :mod:`.merges`, :mod:`.erasure`, :mod:`.resident_store`,
  :mod:`.progress_rows`, :mod:`.generation_rows`;
* identity: :mod:`.data_keys`, the client that fetches residents' data keys.

The read side's queries live beside it in townhall.resident_view.reads.
"""
