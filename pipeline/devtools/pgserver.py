"""A throwaway PostgreSQL server for the tests and `make bench`: its own cluster in a
temporary folder, reached through a unix socket only (no network), removed when stopped.

`.ci/run` installs the distribution's server; on a machine without one the tests that need it
are skipped and say so, unless ADAL_REQUIRE_POSTGRES=1 (as in CI), which makes it a failure.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path


def binaries() -> Path | None:
    """Where initdb and pg_ctl are: on PATH, or in Debian's versioned folder."""
    found = shutil.which("pg_ctl")
    if found and shutil.which("initdb"):
        return Path(found).resolve().parent
    folders = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[4]))
    return Path(folders[-1]) if folders else None


def _runner() -> tuple[list[str], int | None, int | None]:
    """PostgreSQL refuses to run as root: as root, run it as the `postgres` user (or nobody)."""
    if os.geteuid() != 0:
        return [], None, None
    for name in ("postgres", "nobody"):
        try:
            user = pwd.getpwnam(name)
        except KeyError:
            continue
        return ["runuser", "-u", name, "--"], user.pw_uid, user.pw_gid
    raise RuntimeError("running as root and no user to run PostgreSQL as")


class Server:
    def __init__(self) -> None:
        bin_dir = binaries()
        if bin_dir is None:
            raise RuntimeError("PostgreSQL is not installed (initdb, pg_ctl)")
        self.bin = bin_dir
        self.folder = Path(tempfile.mkdtemp(prefix="adal-pg-"))
        self.data = self.folder / "data"
        self.socket = self.folder
        self.prefix, uid, gid = _runner()
        if uid is not None:
            os.chown(self.folder, uid, gid)
        self._names = itertools.count(1)
        self._run(
            "initdb", "-D", str(self.data), "-U", "adal", "--auth=trust", "--no-sync",
            "-E", "UTF8", "--locale=C.UTF-8",
        )  # fmt: skip
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.folder / "log"), "-w", "-o",
            f"-k {self.socket} -c listen_addresses='' -F -c max_connections=60", "start",
        )  # fmt: skip

    def _run(self, tool: str, *args: str) -> None:
        subprocess.run(
            [*self.prefix, str(self.bin / tool), *args],
            check=True,
            capture_output=True,
            cwd=self.folder,
        )

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://adal@/{database}?host={self.socket}"

    def new_database(self) -> str:
        """A fresh, empty database for one test; its URL."""
        from pipeline.ledger.postgres import create_database

        name = f"t{os.getpid()}_{next(self._names)}"
        create_database(self.url(), name)
        return self.url(name)

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)
