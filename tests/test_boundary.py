"""The domain core never imports the web framework (STYLE.md "The boundary")."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = (
    "flask",
    "flask_login",
    "flask_wtf",
    "flask_babel",
    "flask_smorest",
    "werkzeug",
    "motcua",
    "portal",
    "backoffice",
)


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_domain_packages_do_not_import_flask_or_the_shell() -> None:
    offenders = {}
    for package in ("dossiers", "payments"):
        for path in (ROOT / package).rglob("*.py"):
            bad = _imports(path) & set(FORBIDDEN)
            if bad:
                offenders[str(path.relative_to(ROOT))] = sorted(bad)
    assert offenders == {}
    assert (ROOT / "dossiers" / "lifecycle.py").exists()  # the scan did look somewhere


def test_the_portal_and_the_back_office_share_only_the_core_and_the_shell() -> None:
    """The citizens' face and the staff's face each import dossiers/, payments/ and motcua/,
    never each other: what both need (presenters, verification uploads) lives in the shell."""
    offenders = {}
    for face, other in (("portal", "backoffice"), ("backoffice", "portal")):
        for path in (ROOT / face).rglob("*.py"):
            if other in _imports(path):
                offenders[str(path.relative_to(ROOT))] = other
    assert offenders == {}
    assert (ROOT / "backoffice" / "desk.py").exists()  # the scan did look somewhere
