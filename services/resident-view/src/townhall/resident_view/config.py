"""Settings of resident-view (environment variables, see townhall.runtime.settings)."""

from limits import parse
from pydantic import field_validator

from townhall.runtime.settings import OptionalSecret, OptionalText, ServiceSettings


class ResidentViewSettings(ServiceSettings):
    service_name: str = "resident-view"
    port: int = 8006
    database_url: str = "sqlite+aiosqlite:///var/resident-view.db"
    #: Up to this many events per transaction. The projection's work per batch (a
    #: transaction, progress, an offset commit) is fixed, so larger batches cost less per
    #: event while it catches up; at live rates batches are as small as what arrived.
    #: (README, Performance: why 2,000 rather than the platform's 500.)
    consumer_batch_size: int = 2000
    #: Identity's base URL, to fetch residents' data keys (names for search, and what
    #: cases wrote about them). Unset: the projection runs without names, search finds
    #: residents by case reference only, and sealed case text stays blank.
    identity_url: OptionalText = None
    #: This service's client of identity (scope ``pii:read``), registered with
    #: ``python -m townhall.identity add-service-client --client-id resident-view ...``.
    identity_client_id: str = "resident-view"
    identity_client_secret: OptionalSecret = None
    #: How long one call to identity may take before the projection retries it.
    identity_timeout_s: float = 5.0
    #: Data keys kept in memory: how many, and for how long (an erasure evicts at once).
    data_key_cache_size: int = 10_000
    data_key_cache_ttl_s: float = 900.0
    #: What one officer may look up, counted per officer over a moving window (a 429
    #: with Retry-After beyond it, counted in townhall_throttled_total): searches for
    #: residents, and reads of residents' timelines, entries and requests. Generous for
    #: a contact centre's day; a script walking the records meets them in a minute.
    officer_search_limit: str = "60/minute"
    officer_lookup_limit: str = "600/minute"

    @field_validator("officer_search_limit", "officer_lookup_limit")
    @classmethod
    def _a_limit(cls, value: str) -> str:
        parse(value)  # "60/minute", "1000 per hour": raises ValueError otherwise
        return value
