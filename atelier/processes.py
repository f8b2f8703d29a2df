"""What `atelier serve` checks before it starts anything: one engine per data folder, free ports,
and links that point where the page is served."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import ipaddress
import logging
import os
import socket
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

from atelier.errors import AtelierError

log = logging.getLogger("atelier.processes")


class DataFolderLock:
    """An exclusive lock on the data folder, held while the engine runs; the kernel drops it on any exit."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / "engine.lock"
        self._handle: IO[str] | None = None

    def acquire(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle = self.path.open("a+")
        except OSError as error:
            raise AtelierError(
                f"le dossier de données {self.path.parent} est inutilisable (droits ou lecture seule)",
                f"data folder unusable: {error}",
            ) from None
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            owner = handle.read().strip()
            handle.close()
            raise AtelierError(
                "un moteur (atelier serve ou atelier engine) fonctionne déjà sur le dossier de données "
                f"{self.path.parent}"
                + (f" (processus {owner})" if owner else "")
                + " : arrêtez-le d'abord, ou utilisez un autre dossier (--data-dir)",
                "engine already running on this data folder",
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._handle = handle

    def release(self) -> None:
        handle, self._handle = self._handle, None
        if handle is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
            handle.close()


def check_port_free(host: str, port: int, *, what: str, option: str) -> None:
    """Refuse at once, in French, a port another program already listens on."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise AtelierError(
                    f"le port {port} ({what}) est déjà utilisé par un autre programme : "
                    f"choisissez-en un autre avec {option}",
                    f"port {port} in use",
                ) from None
            raise AtelierError(
                f"impossible d'écouter sur {host}:{port} ({what})", f"cannot bind {host}:{port}: {error}"
            ) from None


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def public_base_url(configured: str | None, *, host: str, port: int) -> tuple[str, str | None]:
    """The address written in links, and a French warning when it cannot reach the page.

    Unset, it follows ``--host`` and ``--port``; set, it is kept (a reverse proxy may stand in front)
    but a loopback address while the page listens for other machines is almost always a mistake.
    """
    if not configured:
        shown = socket.getfqdn() if host in ("0.0.0.0", "::") else host  # noqa: S104 — a comparison
        return f"http://{shown}:{port}", None
    parts = urlsplit(configured)
    link_host = parts.hostname or ""
    if is_loopback(link_host) and not is_loopback(host):
        return configured, (
            f"les liens des courriels pointent vers {configured}, une adresse locale, alors que la page "
            f"écoute sur {host}:{port} : les destinataires ne pourront pas les ouvrir "
            "(réglez ATELIER_PUBLIC_BASE_URL)"
        )
    if is_loopback(link_host) and (parts.port or 80) != port:
        return configured, (
            f"les liens des courriels pointent vers le port {parts.port or 80} mais la page écoute "
            f"sur le port {port} (réglez ATELIER_PUBLIC_BASE_URL ou --port)"
        )
    return configured, None
