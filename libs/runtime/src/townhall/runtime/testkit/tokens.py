"""A stand-in token issuer for tests, until and beside identity's real one.

Writes its JWKS to a file (``file://`` URLs are accepted by the verifier) and signs
tokens with Ed25519, exactly as a verifier in production would see them.
"""

from __future__ import annotations

import json
import time
import uuid
import warnings
from pathlib import Path
from typing import Any

from joserfc import jwt
from joserfc.errors import SecurityWarning
from joserfc.jwk import KeySet, OKPKey

ISSUER = "townhall-identity"
AUDIENCE = "townhall"


class TestIssuer:
    __test__ = False  # not a test class, whatever pytest thinks of the name

    def __init__(self, directory: Path, kid: str = "test-key-1"):
        self.key = OKPKey.generate_key("Ed25519", parameters={"kid": kid})
        self.jwks_path = directory / "jwks.json"
        public = KeySet([self.key]).as_dict(private=False)
        self.jwks_path.write_text(json.dumps(public))

    @property
    def jwks_url(self) -> str:
        return self.jwks_path.resolve().as_uri()

    def token(self, subject: str, kind: str, **claims: Any) -> str:
        now = int(time.time())
        payload = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": subject,
            "kind": kind,
            "iat": now,
            "nbf": now,
            "exp": now + 300,
            "jti": uuid.uuid4().hex,
            **claims,
        }
        header = {"alg": "EdDSA", "kid": self.key.kid}
        with warnings.catch_warnings():  # joserfc prefers the newer name "Ed25519"
            warnings.simplefilter("ignore", SecurityWarning)
            return jwt.encode(header, payload, self.key, algorithms=["EdDSA"])

    def officer(self, *roles: tuple[str, str]) -> str:
        grants = [{"domain": d, "clearance": c} for d, c in roles]
        return self.token(f"officer-{uuid.uuid4().hex[:6]}", "officer", roles=grants, loa=2)

    def resident(self, resident_id: str, loa: int = 1) -> str:
        return self.token(resident_id, "resident", loa=loa)

    def tracking(self, resident_id: str, reference: str) -> str:
        """What redeeming a tracking code gives: level 0, good for one request."""
        return self.token(resident_id, "resident", loa=0, ref=reference)

    def service(self, name: str, *scopes: str) -> str:
        return self.token(name, "service", scope=" ".join(sorted(scopes)))
