"""The page behind the links, over HTTP (FastAPI app on the real database)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from atelier.demo.cast import COPIL
from atelier.web.app import create_app
from models.enums import GateStatus
from tests.integration.conftest import World
from tests.integration.test_gates import _gate, _link_of, _until_open


def test_member_decides_through_the_page(world: World) -> None:
    """GET shows what is decided; POST records it once; the link then no longer works."""
    _until_open(world, "cahier_des_charges_valide")
    triggered: list[str] = []
    client = TestClient(create_app(world.runtime, on_change=triggered.append))
    token = _link_of(world, COPIL[0], "cahier_des_charges_valide", 1)

    page = client.get(f"/decision/{token}")
    assert page.status_code == 200
    assert "Validation du cahier des charges" in page.text and COPIL[0] in page.text
    assert 'value="send_back"' in page.text

    done = client.post(f"/decision/{token}", data={"outcome": "approve", "comment": ""})
    assert done.status_code == 200 and "Votre décision est enregistrée : approuvé." in done.text
    assert triggered == [world.slug]

    again = client.post(f"/decision/{token}", data={"outcome": "reject", "comment": ""})
    assert again.status_code == 403 and "ce lien a déjà été utilisé" in again.text
    assert client.get(f"/decision/{token}").status_code == 403
    assert _gate(world, "cahier_des_charges_valide").status is GateStatus.OPEN


def test_forged_link_and_bad_choice_are_refused(world: World) -> None:
    """A forged token gets a French refusal page; an unknown choice is a 400."""
    _until_open(world, "cahier_des_charges_valide")
    client = TestClient(create_app(world.runtime))
    forged = client.get("/decision/not-a-real-token")
    assert forged.status_code == 403 and "ce lien n&#39;est pas valide" in forged.text
    token = _link_of(world, COPIL[1], "cahier_des_charges_valide", 1)
    assert client.post(f"/decision/{token}", data={"outcome": "maybe"}).status_code == 400
    send_back = client.post(f"/decision/{token}", data={"outcome": "send_back", "comment": ""})
    assert send_back.status_code == 403 and "motivé par un commentaire" in send_back.text
