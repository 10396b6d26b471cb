"""A webhook receiver on loopback, as an integrator would run one: it checks each request's
signature and answers as told (500, too slow, or 200), recording what it accepted."""

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from dossiers.webhooks.delivery import verify


@dataclass
class Receiver:
    plan: list[str]  # what to do with the first requests: "fail" (500) or "slow"; then accept
    slow_seconds: float = 2.0
    secret: str = ""
    url: str = ""
    seen: list[dict[str, Any]] = field(default_factory=list)  # every request, as received
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def accepted(self) -> list[dict[str, Any]]:
        return [r for r in self.seen if r["answer"] == "accepted"]


@contextmanager
def receiver(plan: list[str], slow_seconds: float = 2.0) -> Iterator[Receiver]:
    state = Receiver(plan=list(plan), slow_seconds=slow_seconds)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the http.server API
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
            with state.lock:
                answer = state.plan.pop(0) if state.plan else "accepted"
                signed = verify(state.secret, self.headers.get("Motcua-Signature", ""), raw)
                state.seen.append(
                    {
                        "answer": answer,
                        "signed": signed,
                        "body": json.loads(raw),
                        "delivery": self.headers.get("Motcua-Delivery"),
                        "kind": self.headers.get("Motcua-Event"),
                    }
                )
            if answer == "slow":
                time.sleep(state.slow_seconds)  # the sender gave up before this
            status = 500 if answer == "fail" else 200 if signed else 400
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/motcua/events"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
