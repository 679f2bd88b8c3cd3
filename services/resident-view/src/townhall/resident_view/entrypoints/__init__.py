"""Where the outside world comes in: the HTTP API (:mod:`.api`: the app, its
dependencies and one ``*_routes`` module per router). The commands ``serve``,
``project`` and ``rebuild`` are in ``townhall.resident_view.__main__``."""
