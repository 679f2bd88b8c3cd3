"""What plugs resident-view into the outside world, used by both sides.

* the database: :mod:`.orm` (the tables), :mod:`.entry_writer` (the projection's bulk
  insert of timeline entries), and one small module per table group the projection
  writes: :mod:`.consents`, :mod:`.merges`, :mod:`.erasure`, :mod:`.resident_store`,
  :mod:`.progress_rows`, :mod:`.generation_rows`;
* identity: residents' data keys come through the runtime's client
  (:mod:`townhall.runtime.data_keys`), shared with every service that seals or opens.

The read side's queries live beside it in townhall.resident_view.reads.
"""
