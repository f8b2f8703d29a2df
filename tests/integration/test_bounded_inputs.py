"""Every input bounded before it costs anything, over real HTTP: request bodies, spreadsheets, form
fields; forwarded addresses believed only from trusted proxies; the sign-in page's answer the same
whether or not an address has an account."""

from __future__ import annotations

import dataclasses
import io
import random
import re
import resource
import socket
import statistics
import threading
import time
import zipfile
from collections.abc import Iterator
from urllib.parse import urlsplit

from openpyxl import Workbook

from atelier.db import transaction
from atelier.services.accounts import add_account
from atelier.web.app import create_app
from tests.integration.helpers import TEAM_EMAIL, World, csrf_of, http_client, sign_in
from tests.served import served, snapshot

SKIP = ("web_session", "event")


def _dimension_bomb() -> bytes:
    """A workbook of three cells whose sheet declares a thousand columns by 60,000 rows, and fills
    the last one."""
    book = Workbook()
    book.active.append(["nom", "email"])  # type: ignore[union-attr]
    plain = io.BytesIO()
    book.save(plain)
    bomb = io.BytesIO()
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<dimension ref="[^"]+" ?/>', b'<dimension ref="A1:ALL60000"/>', data)
                data = data.replace(
                    b"</sheetData>", b'<row r="60000"><c r="ALL60000"><v>1</v></c></row></sheetData>'
                )
            target.writestr(item, data)
    return bomb.getvalue()


def test_a_body_declared_over_the_limit_is_answered_before_it_is_sent(world: World, site: str) -> None:
    """A request announcing 60 MB is refused (413, in French) on its headers alone: not a byte of it read."""
    address = urlsplit(site)
    with socket.create_connection((address.hostname or "", address.port or 80), timeout=10) as connection:
        connection.sendall(
            b"POST /espace/" + world.slug.encode() + b"/personnes/import HTTP/1.1\r\nHost: x\r\n"
            b"Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 62914560\r\n\r\n"
        )
        answer = b""
        while b"</html>" not in answer and (chunk := connection.recv(65536)):
            answer += chunk
    answer_text = answer.decode("utf-8", "replace")
    assert answer_text.startswith("HTTP/1.1 413") and "dépasse 10 Mo" in answer_text


def test_a_chunked_body_over_the_limit_is_cut_short(world: World, site: str) -> None:
    """An upload sent without a declared length is refused once past 10 MB, and nothing is written."""

    def chunks() -> Iterator[bytes]:
        yield b'--b\r\nContent-Disposition: form-data; name="fichier"; filename="a.csv"\r\n\r\n'
        for _ in range(12):
            yield b"x" * (1024 * 1024)

    with http_client(site) as http:
        sign_in(world, http, TEAM_EMAIL)
        before = snapshot(world.runtime.engine, skip=SKIP)
        refused = http.post(
            f"/espace/{world.slug}/personnes/import", content=chunks(),
            headers={"Content-Type": "multipart/form-data; boundary=b"},
        )  # fmt: skip
    assert refused.status_code == 413 and "dépasse 10 Mo" in refused.text
    assert snapshot(world.runtime.engine, skip=SKIP) == before


def test_a_form_field_of_sixty_kilobytes_is_refused_and_nothing_written(world: World, site: str) -> None:
    """A 60 KB organisation in the form adding a person: one French line naming the limit, nothing added."""
    with http_client(site) as http:
        sign_in(world, http, TEAM_EMAIL)
        page = http.get(f"/espace/{world.slug}/personnes")
        before = snapshot(world.runtime.engine, skip=SKIP)
        refused = http.post(
            f"/espace/{world.slug}/personnes/ajouter",
            data={"csrf": csrf_of(page), "nom": "Léa Martin", "email": "lea@example.org", "role": "garant",
                  "organisation": "x" * 60_000},
        )  # fmt: skip
    assert refused.status_code == 400 and "dépasse 5\u202f000 caractères" in refused.text
    assert snapshot(world.runtime.engine, skip=SKIP) == before


def test_a_dimension_bomb_is_refused_at_once_while_other_pages_answer(world: World, site: str) -> None:
    """A 1.5 KB workbook declaring 60 million cells: refused within a second, memory barely grows, and a
    page asked for meanwhile answers in under 200 ms."""
    bomb = _dimension_bomb()
    assert len(bomb) < 6000
    latencies: list[float] = []
    with http_client(site) as http, http_client(site) as other:
        sign_in(world, http, TEAM_EMAIL)
        sign_in(world, other, TEAM_EMAIL)
        form = http.get(f"/espace/{world.slug}/personnes/import")
        # Once before: its first rendering (templates compiled, queries prepared) is not what the
        # bomb could slow down; in CI it alone took 0.7 s.
        assert other.get("/espace").status_code == 200
        peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        done = threading.Event()

        def meanwhile() -> None:
            while not done.is_set():
                started = time.perf_counter()
                assert other.get("/espace").status_code == 200
                latencies.append(time.perf_counter() - started)

        watcher = threading.Thread(target=meanwhile)
        watcher.start()
        started = time.perf_counter()
        refused = http.post(
            f"/espace/{world.slug}/personnes/import",
            data={"csrf": csrf_of(form)},
            files={"fichier": ("bombe.xlsx", bomb, "application/octet-stream")},
        )
        took = time.perf_counter() - started
        done.set()
        watcher.join()
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before) / 1024
    assert refused.status_code == 400, refused.status_code
    assert took < 1.0 and grown_mb < 50, (took, grown_mb)
    assert latencies and max(latencies) < 0.2, latencies


def test_forwarded_addresses_are_believed_only_from_trusted_proxies(world: World) -> None:
    """Without trusted proxies, every sign-in request from the local proxy counts against one address
    whatever X-Forwarded-For claims; with it trusted, each client has its own count."""
    for trusted, expected in (("", {"127.0.0.1"}), ("127.0.0.1", {"203.0.113.7", "203.0.113.8"})):
        settings = world.runtime.settings.model_copy(update={"trusted_proxies": trusted})
        app = create_app(dataclasses.replace(world.runtime, settings=settings))
        with served(app) as url, http_client(url) as http:
            for client in ("203.0.113.7", "203.0.113.8"):
                page = http.get("/connexion")
                http.post(
                    "/connexion", data={"email": "personne@example.org", "csrf": csrf_of(page)},
                    headers={"X-Forwarded-For": client},
                )  # fmt: skip
        assert set(app.state.signin_limiter.recent) == expected, trusted


def test_the_sign_in_page_answers_in_the_same_time_for_any_address(world: World) -> None:
    """Fifty requests for accounts' addresses and fifty for unknown ones, in random order: their median
    answer times differ by under 2 ms (the link is queued after the answer)."""
    settings = world.runtime.settings.model_copy(update={"trusted_proxies": "127.0.0.1"})
    app = create_app(dataclasses.replace(world.runtime, settings=settings))
    known = [f"compte.{n}@example.org" for n in range(50)]  # one link each: no per-account limit
    with transaction(world.runtime.engine) as session:
        for address in known:
            add_account(
                session=session, email=address, full_name="Compte", is_admin=False, now=world.clock.now()
            )
    requests = [(True, a) for a in known] + [(False, f"inconnu.{n}@example.org") for n in range(50)]
    random.Random(7).shuffle(requests)
    times: dict[bool, list[float]] = {True: [], False: []}
    with served(app) as url, http_client(url) as http:
        for number, (has_account, address) in enumerate(requests):
            # Also the barrier: the previous request's queued work is over before this one is timed.
            page = http.get("/connexion")
            started = time.perf_counter()
            answer = http.post(
                "/connexion", data={"email": address, "csrf": csrf_of(page)},
                headers={"X-Forwarded-For": f"198.51.100.{number}"},
            )  # fmt: skip
            times[has_account].append(time.perf_counter() - started)
            assert answer.status_code == 200
    with_account, without = (statistics.median(times[k]) * 1000 for k in (True, False))
    assert abs(with_account - without) < 2.0, (with_account, without)
