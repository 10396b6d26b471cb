"""`make run` alone gives a working demo: from its own set-up (a fresh instance folder, the
venv's `motcua db upgrade` and `motcua demo` exactly as the Makefile runs them, nothing else
configured), an officer proposes a result, the leader signs and issues it through the app, and
the signed PDF verifies. The Debian packages this needs are the ones `make run` installs."""

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from motcua import doctor
from tests.web import login

ROOT = Path(__file__).resolve().parents[2]
MOTCUA = str(Path(sys.executable).parent / "motcua")
PASSWORD = "motcua-demo-2026"
# Configuration `make run` does not set: none of it may leak in from the test environment.
CONFIGURED = re.compile(r"^(MOTCUA_|DATABASE_URL$|REDIS_URL$|SECRET_KEY$|SMTP_|VNPAY_|PAYMENT_)")


def _makefile_recipe(target: str) -> list[str]:
    dry = subprocess.run(
        ["make", "-n", "-s", target],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    return dry.splitlines()


def _makefile_variable(name: str) -> set[str]:
    text = (ROOT / "Makefile").read_text(encoding="utf-8").replace("\\\n", " ")
    found = re.search(rf"^{name} := (.*)$", text, flags=re.M)
    assert found, name
    return set(found.group(1).split())


def test_make_run_installs_the_runtime_packages_doctor_asks_for() -> None:
    runtime = _makefile_variable("RUNTIME_PACKAGES")
    recipe = "\n".join(_makefile_recipe("run"))
    assert all(package in recipe for package in runtime)  # runtime-packages runs first
    named = {"fonts-liberation2", "poppler-utils"}  # in doctor's fixes, which name packages
    assert named <= runtime
    assert "fonts-liberation2" in doctor.fonts(Path("/nonexistent")).fix
    assert not doctor.fonts(Path("/nonexistent")).ok


@pytest.fixture
def instance(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A fresh instance folder set up by `make run`'s own commands."""
    for name in list(os.environ):
        if CONFIGURED.match(name):
            monkeypatch.delenv(name)
    monkeypatch.setenv("MOTCUA_INSTANCE", str(tmp_path / "instance"))
    env = dict(os.environ)
    steps = [line.split() for line in _makefile_recipe("run") if "/motcua " in line]
    assert [s[1:] for s in steps[:2]] == [["db", "upgrade"], ["demo"]]
    for step in steps[:2]:
        done = subprocess.run(
            [MOTCUA, *step[1:]],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
    return env


def _form_fields(html: str, action: str) -> dict[str, str]:
    """The hidden fields of the page's form posting to ``action`` (whatever they are)."""
    form = re.search(rf'<form[^>]*action="{re.escape(action)}"[^>]*>(.*?)</form>', html, re.S)
    assert form, f"no form to {action}"
    return dict(
        re.findall(
            r'<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form.group(1)
        )
    )


def _post(client: Any, page: str, action: str, **data: Any) -> str:
    html = client.get(page).get_data(as_text=True)
    response = client.post(
        action,
        data={**_form_fields(html, action), **data},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert response.status_code == 200
    return str(response.get_data(as_text=True))


def test_the_demo_signs_a_result_end_to_end(instance: dict[str, str], tmp_path: Path) -> None:
    from motcua import create_app

    done = subprocess.run(
        [MOTCUA, "doctor"], env=instance, capture_output=True, text=True, check=False, timeout=120
    )
    assert done.returncode == 0, done.stdout  # what `make run` installs is in place

    app = create_app()
    officer = app.test_client()
    login(officer, "chuyenvien.tc", PASSWORD)
    queue = officer.get("/backoffice/work/?q=mine").get_data(as_text=True)
    ids = sorted(set(re.findall(r'href="/backoffice/work/(\d+)"', queue)))
    workable = [
        i
        for i in ids
        if f"/backoffice/work/{i}/propose"
        in officer.get(f"/backoffice/work/{i}").get_data(as_text=True)
    ]
    assert workable, "the demo gives chuyenvien.tc a dossier to propose a result for"
    dossier = workable[0]
    page = f"/backoffice/work/{dossier}"
    assert "Đã trình kết quả" in _post(officer, page, f"{page}/propose", note="Đủ điều kiện")

    leader = app.test_client()
    login(leader, "lanhdao.tc", PASSWORD)
    assert "Đã phê duyệt" in _post(leader, page, f"{page}/approve", note="Đồng ý")
    signing = f"/backoffice/signing/{dossier}"
    issued = _post(leader, signing, f"{signing}/issue")
    assert "Đã ký số và ban hành kết quả" in issued, re.findall(
        r'class="flash[^"]*">([^<]+)', issued
    )
    link = re.search(rf'href="({signing}/files/\d+)"', issued)
    assert link, "the issued result is listed on the leader's page"
    pdf = tmp_path / "ket-qua.pdf"
    pdf.write_bytes(leader.get(link.group(1)).get_data())
    verified = subprocess.run(
        [MOTCUA, "verify", str(pdf)],
        env=instance,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "HỢP LỆ" in verified.stdout
