from townhall.booking.adapters.orm import metadata
from townhall.runtime.migrations import run_env

run_env(metadata)
