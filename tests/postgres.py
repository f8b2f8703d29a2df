"""A throwaway PostgreSQL cluster for the tests: initdb in a temporary folder, started on a free
local port with durability off (a test database need not survive a crash), one fresh database per
test, the whole cluster stopped and removed at the end. Runs the server as ``postgres`` when the
tests run as root (initdb refuses root), as CI does."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
from dataclasses import dataclass
from itertools import count
from pathlib import Path

import psycopg

NOT_INSTALLED = (
    "PostgreSQL is needed for the tests on PostgreSQL (Debian: apt-get install postgresql); "
    "ATELIER_PG_BINDIR may name the folder holding initdb and pg_ctl"
)


def _bindir() -> Path:
    """Where initdb and pg_ctl are: ATELIER_PG_BINDIR, Debian's newest version, else the PATH."""
    named = os.environ.get("ATELIER_PG_BINDIR")
    if named:
        return Path(named)
    debian = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if debian:
        return Path(debian[-1]).parent
    found = shutil.which("initdb")
    if found is None:
        raise RuntimeError(NOT_INSTALLED)
    return Path(found).parent


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Cluster:
    folder: Path
    port: int
    bindir: Path
    as_user: list[str]
    _names = count(1)

    @property
    def admin_dsn(self) -> str:
        return f"host=127.0.0.1 port={self.port} user=atelier dbname=postgres"

    def new_database(self) -> str:
        """A fresh, empty database; its SQLAlchemy URL."""
        name = f"test_{next(self._names)}"
        with psycopg.connect(self.admin_dsn, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')  # name made here, never from input
        return f"postgresql+psycopg://atelier@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        pg_ctl = str(self.bindir / "pg_ctl")
        stop = [*self.as_user, pg_ctl, "-D", str(self.folder / "data"), "-m", "immediate", "stop"]
        subprocess.run(stop, check=False, capture_output=True)
        shutil.rmtree(self.folder, ignore_errors=True)


def start_cluster(folder: Path) -> Cluster:
    bindir = _bindir()
    as_user: list[str] = []
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        os.chown(folder, owner.pw_uid, owner.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    data, port = folder / "data", _free_port()
    subprocess.run(
        [*as_user, str(bindir / "initdb"), "-D", str(data), "-U", "atelier", "--auth=trust", "-E", "UTF8",
         "--no-sync", "--locale=C"],
        check=True, capture_output=True,
    )  # fmt: skip
    options = (
        f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "
        "-c full_page_writes=off -c max_connections=200"
    )
    subprocess.run(
        [*as_user, str(bindir / "pg_ctl"), "-D", str(data), "-l", str(folder / "server.log"), "-o", options,
         "-w", "start"],
        check=True, capture_output=True,
    )  # fmt: skip
    return Cluster(folder, port, bindir, as_user)
