"""A throwaway PostgreSQL server for the tests: initdb into a temporary directory, listen on a free loopback port.

The server binaries come from Debian's packages (/usr/lib/postgresql/<version>/bin, or pg_ctl on PATH). initdb
refuses to run as root, so as root the server runs as `nobody` (runuser), in a directory that user owns.
`find_bin()` None: no server can be had here (the tests that need one are skipped with that reason).
"""
from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time


def find_bin() -> str | None:
    """The directory holding initdb/pg_ctl (the newest installed version), or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if found:
        return os.path.dirname(found[-1])
    initdb = shutil.which("initdb")
    return os.path.dirname(initdb) if initdb else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PgServer:
    """initdb + pg_ctl start; `url(db)` for a database on it; stop() removes everything."""

    def __init__(self, bindir: str) -> None:
        self.bindir = bindir
        self.root = tempfile.mkdtemp(prefix="brandcoach-pg-")
        self.data = os.path.join(self.root, "data")
        self.port = free_port()
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            os.chmod(self.root, 0o755)
            shutil.chown(self.root, "nobody")
            self.as_user = ["runuser", "-u", "nobody", "--"]

    def _run(self, *args: str) -> None:
        subprocess.run([*self.as_user, *args], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                       cwd=self.root)

    def start(self) -> PgServer:
        self._run(os.path.join(self.bindir, "initdb"), "-D", self.data, "-U", "postgres", "-A", "trust",
                  "--no-sync", "-E", "UTF8")
        opts = (f"-c listen_addresses=127.0.0.1 -c port={self.port} -c unix_socket_directories={self.root}"
                " -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300")
        self._run(os.path.join(self.bindir, "pg_ctl"), "-D", self.data, "-o", opts, "-l",
                  os.path.join(self.root, "log"), "-w", "-t", "60", "start")
        return self

    def url(self, db: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{db}"

    def create_db(self, name: str) -> str:
        """A new empty database; its URL."""
        subprocess.run([os.path.join(self.bindir, "psql"), "-q", "-h", "127.0.0.1", "-p", str(self.port), "-U",
                        "postgres", "-c", f"CREATE DATABASE {name}"], check=True, stdout=subprocess.DEVNULL)
        return self.url(name)

    def stop(self) -> None:
        try:
            self._run(os.path.join(self.bindir, "pg_ctl"), "-D", self.data, "-m", "immediate", "-w", "stop")
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.root, ignore_errors=True)


if __name__ == "__main__":  # a server for trying things by hand
    bindir = find_bin()
    assert bindir, "no PostgreSQL server binaries"
    server = PgServer(bindir).start()
    print(server.url())
    try:
        while True:
            time.sleep(3600)
    finally:
        server.stop()
