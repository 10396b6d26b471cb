"""Every operation of /api/v1/openapi.json, fuzzed by schemathesis: no 5xx, no answer that
contradicts the document (status, content type, body schema), for a citizen and for staff.

The app runs in-process (WSGI) on one SQLite database with a small world (tests/web.py) and a
few bounded examples per operation, so the whole run stays around a minute or two. The
hostile-input tests (test_hostile.py) cover PostgreSQL's own refusals by hand.
"""

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import select

from dossiers.accounts import issue_token
from dossiers.agencies import Agency
from dossiers.lifecycle import Role
from motcua import create_app
from motcua.database import get_db
from tests import factories as f
from tests.conftest import fresh_database
from tests.web import bearer, build_world

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "8"))  # more for a deeper run by hand
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("fuzz")
    app = create_app(
        {
            "DATABASE_URL": fresh_database("sqlite", "fuzz", Path(tmp)),
            "MOTCUA_STORAGE": str(tmp / "files"),
            "SECRET_KEY": "test-secret",
            "REDIS_URL": None,
            "TESTING": True,
            "PROPAGATE_EXCEPTIONS": False,
        }
    )
    world = build_world(app)
    with get_db(app).factory() as db:
        centre = db.scalar(select(Agency).filter_by(code=world["centre"]))
        tokens = {"citizen": world["alice"]}
        for role in (Role.RECEPTION, Role.OFFICER, Role.LEADER):
            tokens[role.value] = issue_token(db, f.user(db, role, centre), "fuzz")
        db.commit()
    yield {"app": app, "tokens": tokens}
    get_db(app).engine.dispose()


@pytest.fixture(scope="module")
def api_schema(fuzzed: dict[str, Any]) -> Any:
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", fuzzed["app"])


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=EXAMPLES, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck)
)
def test_no_server_error_and_no_answer_outside_the_document(
    case: Any, fuzzed: dict[str, Any]
) -> None:
    for token in fuzzed["tokens"].values():  # a citizen, a clerk, an officer, a leader
        case.call_and_validate(headers=bearer(token), checks=CHECKS)
