"""Endpoints, and a real HTTP server on 127.0.0.1 that records what it receives."""

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from webhooks.models import Endpoint


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes


@dataclass
class Receiver:
    """What the server answers (``answers``: a list of statuses, the last one repeats;
    ``location`` for a redirect; ``delay`` in seconds) and what it received."""

    url: str = ""
    answers: list = field(default_factory=lambda: [204])
    location: str = ""
    delay: float = 0
    requests: list = field(default_factory=list)

    def next_status(self):
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]


@pytest.fixture
def receiver():
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            state.requests.append(Received(self.path, dict(self.headers.items()), body))
            if state.delay:
                time.sleep(state.delay)
            status = state.next_status()
            self.send_response(status)
            if state.location:
                self.send_header("Location", state.location)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture
def allow_http(settings):
    settings.WEBHOOKS_ALLOW_HTTP = True


@pytest.fixture
def endpoint(receiver, allow_http):
    """An active endpoint at the receiver."""
    return Endpoint.objects.create(url=receiver.url, secret="s3cret-for-tests", description="ERP")
