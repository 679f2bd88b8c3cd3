from townhall.connectors.mapper.store import metadata
from townhall.runtime.migrations import run_env

run_env(metadata)
