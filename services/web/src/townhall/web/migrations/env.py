from townhall.runtime.migrations import run_env
from townhall.web.session_db import metadata

run_env(metadata)
