"""Two demo legacy systems for ``make run``: council tax in MariaDB, waste in PostgreSQL.

``python -m townhall.connectors.demo`` (started by ``townhall up`` as ``legacy-demo`` on
the embedded default) runs a MariaDB with its binary log and a PostgreSQL with logical
decoding under ``var/legacy-demo/``, fills them once with a synthetic council
(:mod:`.council`), runs Townhall's connectors on them, and keeps changing them
(:mod:`.changes`) so a newcomer sees legacy history arrive on residents' timelines
through the legacy mapper. Where a database server is not installed it says so and the
rest of the platform runs without it.
"""
