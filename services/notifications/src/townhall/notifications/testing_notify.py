"""A local stand-in for GOV.UK Notify's API, for tests: never a default.

It checks requests the way Notify documents: the API key's JWT (HS256, ``iss`` the
service id, ``iat`` within 30 seconds, signed with the key's secret), the required
fields of each kind of message, that the template exists and suits the channel, and
that the personalisation names every placeholder of the template. It answers with
Notify's shapes, errors included (``{"status_code", "errors": [{"error", "message"}]}``).
The official client is what tests point at it.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt

REQUIRED = {"email": ("email_address",), "sms": ("phone_number",), "letter": ()}


class StubError(Exception):
    def __init__(self, status: int, error: str, message: str):
        super().__init__(message)
        self.status, self.error, self.message = status, error, message


@dataclass
class NotifyStub:
    service_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    secret: str = field(default_factory=lambda: str(uuid.uuid4()))
    #: template id -> (type, placeholders it needs)
    templates: dict[str, tuple[str, set[str]]] = field(default_factory=dict)
    sent: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Statuses to answer the next POSTs with instead (500, 429…), first first.
    failures: list[int] = field(default_factory=list)
    base_url: str = ""

    @property
    def api_key(self) -> str:
        return f"townhall_test-{self.service_id}-{self.secret}"

    def template(self, kind: str, *placeholders: str) -> str:
        template_id = str(uuid.uuid4())
        self.templates[template_id] = (kind, set(placeholders))
        return template_id

    # What a request must be, as Notify checks it.
    def authenticate(self, header: str | None) -> None:
        if not header or not header.startswith("Bearer "):
            raise StubError(401, "AuthError", "Unauthorized: authentication token must be provided")
        token = header.removeprefix("Bearer ")
        try:
            claims = jwt.decode(
                token,
                self.secret,
                algorithms=["HS256"],
                options={"require": ["iss", "iat"], "verify_iat": False},
            )
        except jwt.PyJWTError as exc:
            raise StubError(403, "AuthError", f"Invalid token: {exc}") from exc
        if claims["iss"] != self.service_id:
            raise StubError(403, "AuthError", "Invalid token: service not found")
        if abs(time.time() - float(claims["iat"])) > 30:
            raise StubError(
                403, "AuthError", "Error: Your system clock must be accurate to within 30 seconds"
            )

    def post(self, kind: str, body: dict[str, Any]) -> dict[str, Any]:
        if self.failures:
            status = self.failures.pop(0)
            error = "RateLimitError" if status == 429 else "Exception"
            raise StubError(
                status, error, "Internal server error" if status >= 500 else "Exceeded rate limit"
            )
        missing = [f for f in ("template_id", *REQUIRED[kind]) if not body.get(f)]
        if kind == "letter" and not body.get("personalisation"):
            missing.append("personalisation")
        if missing:
            raise StubError(400, "ValidationError", f"{missing[0]} is a required property")
        if body["template_id"] not in self.templates:
            raise StubError(400, "BadRequestError", "Template not found")
        template_kind, needed = self.templates[body["template_id"]]
        if template_kind != kind:
            raise StubError(
                400,
                "BadRequestError",
                f"{template_kind} template is not suitable for {kind} notification",
            )
        personalisation = body.get("personalisation") or {}
        absent = sorted(needed - set(personalisation))
        if absent:
            raise StubError(400, "BadRequestError", f"Missing personalisation: {', '.join(absent)}")
        if (
            kind == "letter"
            and sum(1 for k in personalisation if k.startswith("address_line_")) < 3
        ):
            raise StubError(400, "ValidationError", "Address must be at least 3 lines")
        if kind == "email" and "@" not in body["email_address"]:
            raise StubError(400, "ValidationError", "email_address Not a valid email address")
        notification_id = str(uuid.uuid4())
        self.sent[notification_id] = {
            "id": notification_id,
            "type": kind,
            "status": "created",
            **body,
        }
        return {
            "id": notification_id,
            "reference": body.get("reference"),
            "template": {"id": body["template_id"], "version": 1, "uri": ""},
            "uri": f"{self.base_url}/v2/notifications/{notification_id}",
            "content": {},
        }

    def get(self, path: str, query: dict[str, list[str]]) -> dict[str, Any]:
        if path == "/v2/notifications":
            reference = query["reference"][0] if query.get("reference") else None
            found = [
                n
                for n in self.sent.values()
                if reference is None or n.get("reference") == reference
            ]
            return {"notifications": found, "links": {"current": path}}
        notification = self.sent.get(path.rsplit("/", 1)[-1])
        if notification is None:
            raise StubError(404, "NoResultFound", "No result found")
        return notification


def _handler(stub: NotifyStub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return None

        def _answer(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _serve(self, method: str) -> None:
            url = urlsplit(self.path)
            try:
                stub.authenticate(self.headers.get("Authorization"))
                if method == "GET":
                    self._answer(200, stub.get(url.path, parse_qs(url.query)))
                    return
                kind = url.path.removeprefix("/v2/notifications/")
                if kind not in REQUIRED:
                    raise StubError(404, "NotFound", "Not found")
                length = int(self.headers.get("Content-Length") or 0)
                self._answer(201, stub.post(kind, json.loads(self.rfile.read(length) or b"{}")))
            except StubError as exc:
                errors = [{"error": exc.error, "message": exc.message}]
                self._answer(exc.status, {"status_code": exc.status, "errors": errors})

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

    return Handler


@contextmanager
def running(stub: NotifyStub) -> Iterator[NotifyStub]:
    """Serve ``stub`` on a free local port for the duration."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(stub))
    stub.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield stub
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
