"""The read side: what the HTTP API asks of the view, SQL first, the policy inside.

* :mod:`.policy`: who may see which entries, as SQL conditions every query below
  applies in the database (never on fetched rows);
* :mod:`.timeline`: a resident's timeline, paged and filtered;
* :mod:`.search` and :mod:`.ranking`: finding residents and ranking the candidates;
* :mod:`.tracking` and :mod:`.request_state`: one request's steps across services, and
  its state and next step read from them;
* :mod:`.audit_trail`: recording every read and look-up, and querying those records.

Nothing here changes the view; the projection that writes it is
townhall.resident_view.projection.
"""
