"""Who may call the exchange endpoints and pages."""

from typing import Any

from dossiers.accounts import get_user, issue_token
from dossiers.actors import Actor
from dossiers.exchange import keys
from dossiers.exchange.operations import add_peer
from motcua.database import get_db
from tests.web import bearer, build_world, login


def test_a_user_token_cannot_post_exchange_messages(app: Any, client: Any) -> None:
    world = build_world(app)
    response = client.post(
        "/api/v1/exchange/messages", headers=bearer(world["alice"]), data={"signature": "eA=="}
    )
    assert response.status_code == 401
    assert response.get_json()["code"] == "unauthenticated"


def test_exchange_administration_is_for_administrators(
    app: Any, client: Any, tmp_path: Any
) -> None:
    world = build_world(app)
    peer_cert = keys.generate(tmp_path / "peer", "peer-passphrase", "Motcua khác")
    with get_db(app).factory() as db:
        add_peer(
            db,
            Actor.system("test"),
            name="Tỉnh bạn",
            base_url="http://127.0.0.1:9",
            agency_codes=["000.00.00.H29"],
            certificates=peer_cert.certificate_pem,
        )
        clerk_token = issue_token(db, get_user(db, world["clerk"]), "t")
        db.commit()
    assert client.get("/api/v1/exchange/messages", headers=bearer(clerk_token)).status_code == 403
    login(client, world["clerk"])
    assert client.get("/backoffice/exchange/").status_code == 403
    client.post("/logout")
    client.delete_cookie("session")
    login(client, world["admin"])
    page = client.get("/backoffice/exchange/").get_data(as_text=True)
    assert "Tỉnh bạn" in page
    assert "000.00.00.H29" in page
    assert "motcua exchange keygen" in page  # no key yet: the page says how to make one
