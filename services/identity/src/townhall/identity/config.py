"""Settings of the identity service (environment variables, see townhall.runtime.settings)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

import structlog
from pydantic import Field, SecretStr
from sqlalchemy.engine import make_url

from townhall.identity.adapters.master_keys import MasterKeys
from townhall.identity.adapters.passwords import Profile
from townhall.runtime.crypto import decode_key, encode_key, generate_key
from townhall.runtime.db import is_sqlite
from townhall.runtime.settings import ServiceSettings

_log = structlog.get_logger(__name__)


class IdentitySettings(ServiceSettings):
    service_name: str = "identity"
    port: int = 8001
    database_url: str = "sqlite+aiosqlite:///var/identity.db"
    #: The master key wrapping signing keys and residents' data keys at rest (base64url,
    #: 32 bytes). Unset in development: generated once into ``identity_key_file``.
    identity_key_encryption_key: SecretStr | None = None
    #: Where that development key lives; default: beside the SQLite database, else var/.
    identity_key_file: Path | None = None
    #: Former master keys, comma-separated: they only unwrap, while ``rewrap-keys`` moves
    #: every wrapped key to the current one (README: "Identity: sessions and the master key").
    identity_key_encryption_keys_previous: SecretStr | None = None
    #: argon2id's cost: ``standard`` (RFC 9106, low memory), or ``cheapest-for-tests``,
    #: which test suites set and a council never should.
    identity_password_hashing: Profile = "standard"
    identity_issuer: str = "townhall-identity"
    identity_audience: str = "townhall"
    identity_access_token_ttl_s: int = 900
    #: How long a sign-in lasts: refreshing never extends it (an officer's shift; a
    #: resident's "stay signed in"). Tracking-code sessions get no refresh token.
    identity_officer_session_ttl_s: int = 12 * 3600
    identity_resident_session_ttl_s: int = 30 * 24 * 3600
    #: A new signing key is published this long before it signs (verifiers cache JWKS).
    identity_key_grace_s: int = 600
    #: After a failed sign-in (password, client secret, one-time code, refresh token)
    #: the next attempt from that account and client address waits this long, doubling
    #: with each failure up to the cap; a success clears it. Never a lockout: the right
    #: password from another address works (README: "Identity: throttling").
    identity_backoff_first_s: float = Field(default=1.0, gt=0)
    identity_backoff_cap_s: float = Field(default=900.0, gt=0)
    #: Failures from one client address (any account) before the address itself waits
    #: (an office behind one address makes the odd typo). Behind a proxy, list it in
    #: TRUSTED_PROXIES, or every client counts as the proxy.
    identity_address_free_failures: int = Field(default=10, ge=0)
    #: Failures of one account across addresses that raise an alarm (log and metric).
    identity_sign_in_alarm_after: int = Field(default=20, gt=0)
    #: One-time codes (and notices) sent to one email address or phone number.
    identity_code_issue_limit: str = "5/15 minutes"
    #: Look-ups of residents' records, consents, matches and the review queue, per officer.
    identity_officer_lookup_limit: str = "120/minute"
    #: Match probability at or above which a record links by itself / goes to review.
    identity_match_link_threshold: float = 0.90
    identity_match_review_threshold: float = 0.50
    #: ``linkage``: the probabilistic engine (Splink-trained); ``exact``: the trivial
    #: exact-match placeholder, for tests that want predictable scores.
    identity_matcher: Literal["linkage", "exact"] = "linkage"
    #: Below this many residents the model is trained on a synthetic council instead.
    identity_linkage_min_population: int = 1000
    #: Retrain the model on the population this often, in the background (0: only on
    #: demand, ``python -m townhall.identity retrain``); the old model serves meanwhile.
    identity_linkage_retrain_every_s: float = Field(default=24 * 3600, ge=0)
    #: Save the matching index this often, so a restart restores it instead of
    #: rebuilding it (0: only after a rebuild).
    identity_linkage_snapshot_every_s: float = Field(default=3600, ge=0)
    #: Look for a model stored by another process (``retrain``) this often (0: never).
    identity_linkage_poll_models_every_s: float = Field(default=60, ge=0)
    #: Re-score the residents against each other this often, in the background, and
    #: merge those that are one person (0: only on demand, ``python -m townhall.identity
    #: find-duplicates``); see ``adapters.duplicate_pass``.
    identity_duplicate_pass_every_s: float = Field(default=24 * 3600, ge=0)
    #: How long a match waits for matching to be ready before a 503 (Retry-After).
    identity_linkage_wait_s: float = Field(default=5.0, ge=0)
    identity_seed_demo: bool = False
    #: With the demo seed: the secret the cases service uses to ask identity to match
    #: residents (``townhall up`` generates it into the var folder).
    identity_demo_service_secret: SecretStr | None = None

    def master_key(self) -> bytes:
        """The key-encryption key: from the environment, else the development key file."""
        if self.identity_key_encryption_key is not None:
            return decode_key(self.identity_key_encryption_key.get_secret_value())
        return _development_key(self.identity_key_file or self._default_key_file())

    def master_keys(self) -> MasterKeys:
        """The current master key and the previous ones still accepted for unwrapping."""
        previous = self.identity_key_encryption_keys_previous
        texts = previous.get_secret_value().split(",") if previous else []
        return MasterKeys(self.master_key(), tuple(decode_key(t) for t in texts if t.strip()))

    def _default_key_file(self) -> Path:
        url = make_url(self.database_url)
        folder = (
            Path(url.database).parent if is_sqlite(self.database_url) and url.database else None
        )
        var = Path(os.environ.get("TOWNHALL_VAR_DIR", "var"))
        return (folder or var) / "identity-master.key"


def _development_key(path: Path) -> bytes:
    if path.exists():
        return decode_key(path.read_text())
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(encode_key(generate_key()))
    _log.warning("development_master_key_generated", path=str(path))
    return decode_key(path.read_text())
