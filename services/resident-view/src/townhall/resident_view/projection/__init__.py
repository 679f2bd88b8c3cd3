"""The write side: events in, the view out.

The projection follows every topic and turns each event into what the read side
serves, in the consumer's transaction:

* :mod:`.projector`: the consumer's handler, one batch at a time;
* :mod:`.entries`: an event → its timeline entry (with the summaries of known types);
* :mod:`.identity_effects`: what identity's events do beyond an entry (consent, merge,
  unmerge, erasure), one effect per event type;
* :mod:`.resident_index`: identity's sealed personal data, opened and folded into the
  residents search reads;
* :mod:`.completeness`: per source, which sequence numbers arrived and where the gaps are;
* :mod:`.generations`, :mod:`.live`, :mod:`.rebuild`: which build of the view is served,
  the live projection that feeds it, and a rebuild from the beginning of the topics.

The SQL it runs lives in :mod:`townhall.resident_view.adapters`; nothing here reads for
an HTTP request (that is :mod:`townhall.resident_view.reads`).
"""
