"""A live Motcua (migrated, demo loaded, served like `make run`) and Debian's Chromium.

Playwright drives /usr/bin/chromium; it never downloads a browser of its own.
"""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

CHROMIUM = os.environ.get("MOTCUA_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
SCREENSHOTS = os.environ.get("MOTCUA_SCREENSHOTS")
# The first printed form in a fresh server loads WeasyPrint and the fonts: allow for it.
expect.set_options(timeout=20_000)
LIVE_ENV: dict[str, dict[str, str]] = {}  # base URL -> the server's environment


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("live")
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp / 'motcua.sqlite'}",
        "MOTCUA_STORAGE": str(tmp / "files"),
        "SECRET_KEY": "e2e",
        "REDIS_URL": "",
        "MOTCUA_DEMO": "1",
    }  # as `make run`: the sandbox payment gateway is mounted
    motcua = [sys.executable, "-m", "motcua.cli"]
    for step in (["db", "upgrade"], ["demo"]):
        subprocess.run(motcua + step, env=env, check=True, capture_output=True, timeout=120)
    port = _free_port()
    # The server's own address, as `make run` is configured: links, and the in-process
    # sandbox gateway's query API (reconciliation), go to where the server really listens.
    env["MOTCUA_BASE_URL"] = f"http://127.0.0.1:{port}"
    log = (tmp / "server.log").open("w")
    server = subprocess.Popen(
        motcua
        + ["run", "--host", "127.0.0.1", "--port", str(port), "--no-reload", "--no-debugger"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    LIVE_ENV[url] = env
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(url + "/", timeout=2)  # noqa: S310 - our own loopback server
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail("the live server did not start: " + (tmp / "server.log").read_text())
            time.sleep(0.2)
    yield url
    server.terminate()
    server.wait(timeout=10)
    log.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium is required for the browser tests ({CHROMIUM}): apt-get install -y chromium"
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


def screenshot(page: Page, name: str) -> None:
    """Save a screenshot for the README when MOTCUA_SCREENSHOTS names a folder."""
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=True)
