"""Two Motcua installations on loopback, each its own process, database, store and key."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from dossiers.db import make_engine, make_sessionmaker

PASSPHRASE = "exchange key passphrase"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Installation:
    name: str
    database_url: str
    root: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    _engine: Engine | None = None
    _log: Any = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "MOTCUA_STORAGE": str(self.root / "files"),
            "MOTCUA_EXCHANGE_DIR": str(self.root / "exchange"),
            "MOTCUA_EXCHANGE_PASSPHRASE": PASSPHRASE,
            "SECRET_KEY": f"secret-{self.name}",
            "MOTCUA_BASE_URL": self.url,
            "REDIS_URL": "",
        }

    def cli(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "motcua.cli", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    def start(self) -> None:
        self._log = log = (self.root / "server.log").open("a")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "motcua.cli",
                "run",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--no-reload",
                "--no-debugger",
            ],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(self.url + "/api/v1/openapi.json", timeout=2)  # noqa: S310
                return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError((self.root / "server.log").read_text()) from None
                time.sleep(0.2)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def session(self) -> Session:
        if self._engine is None:
            self._engine = make_engine(self.database_url)
        return make_sessionmaker(self._engine)()

    def dispose(self) -> None:
        self.stop()
        if self._engine is not None:
            self._engine.dispose()

    def call(
        self,
        method: str,
        path: str,
        token: str,
        body: bytes | None = None,
        content_type: str = "application/json",
    ) -> tuple[int, Any]:
        request = urllib.request.Request(  # noqa: S310 - our loopback server
            self.url + path,
            data=body,
            method=method,
            headers={
                "Authorization": f"Bearer {token}",
                "Content-Type": content_type,
                "Accept": "application/json",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")

    def post_json(self, path: str, token: str, data: dict[str, Any]) -> tuple[int, Any]:
        return self.call("POST", path, token, json.dumps(data).encode())
