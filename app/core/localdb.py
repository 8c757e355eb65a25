"""The project's own PostGIS cluster in var/pg, used when DATABASE_URL is unset.

PostgreSQL refuses to run as root, so when we are root the cluster belongs to the
`postgres` system user and its commands run through runuser.
"""
from __future__ import annotations

import hashlib
import os
import secrets
import shutil
import subprocess
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DB_NAME = "qingpu"
DB_USER = "qingpu"


class LocalDbError(RuntimeError):
    pass


def _pg_bindir() -> Path:
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)
        candidate = Path(out.stdout.strip())
        if (candidate / "initdb").exists():
            return candidate
    for version in ("17", "16", "15"):
        candidate = Path(f"/usr/lib/postgresql/{version}/bin")
        if (candidate / "initdb").exists():
            return candidate
    raise LocalDbError("PostgreSQL server binaries not found: install postgresql-15-postgis-3 (./start.sh does)")


SHARED_ROOT = Path("/var/lib/qingpu-layout")


@lru_cache
def cluster_root(var_dir: Path, home: Path) -> Path:
    """var/pg in the checkout, unless we are root and the `postgres` user cannot reach the
    checkout (say it lies under /root, mode 700): then a folder of its own under
    /var/lib/qingpu-layout, one per checkout, which `var/pg` points to."""
    preferred = var_dir / "pg"
    if os.geteuid() != 0 or preferred.exists() or _postgres_can_enter(home):
        return preferred
    digest = hashlib.sha1(str(home.resolve()).encode()).hexdigest()[:12]
    elsewhere = SHARED_ROOT / digest / "pg"
    elsewhere.mkdir(parents=True, exist_ok=True)
    var_dir.mkdir(parents=True, exist_ok=True)
    preferred.symlink_to(elsewhere, target_is_directory=True)
    return preferred


def _postgres_can_enter(path: Path) -> bool:
    return subprocess.run(["runuser", "-u", "postgres", "--", "test", "-x", str(path)],
                          capture_output=True).returncode == 0


@dataclass
class LocalCluster:
    root: Path
    port: int

    @classmethod
    def from_settings(cls, settings) -> "LocalCluster":
        return cls(root=cluster_root(settings.var_dir, settings.home), port=settings.local_pg_port)

    @property
    def data_dir(self) -> Path:
        # Resolved: PostgreSQL runs as `postgres`, who may not be able to pass through a symlink's folder.
        return self.root.resolve() / "data"

    @property
    def password_file(self) -> Path:
        return self.root / "password"

    @property
    def log_file(self) -> Path:
        return self.root.resolve() / "postgres.log"

    def url(self, dbname: str = DB_NAME) -> str:
        password = self.password_file.read_text().strip()
        return f"postgresql+psycopg://{DB_USER}:{password}@127.0.0.1:{self.port}/{dbname}"

    # -- running commands as the cluster's owner -------------------------------------------
    def _as_owner(self, args: list[str], **kw) -> subprocess.CompletedProcess:
        if os.geteuid() == 0:
            args = ["runuser", "-u", "postgres", "--", *args]
        return subprocess.run(args, capture_output=True, text=True, **kw)

    def _psql(self, sql: str, dbname: str = "postgres") -> str:
        res = self._as_owner([str(_pg_bindir() / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-w",
                              "-U", "postgres", "-d", dbname, "-Atqc", sql])
        if res.returncode != 0:
            raise LocalDbError(f"psql failed: {res.stderr.strip()}")
        return res.stdout.strip()

    # -- lifecycle ----------------------------------------------------------------------------
    def initialized(self) -> bool:
        return (self.data_dir / "PG_VERSION").exists()

    def running(self) -> bool:
        res = subprocess.run([str(_pg_bindir() / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port)],
                             capture_output=True)
        return res.returncode == 0

    def serves_this_cluster(self) -> bool:
        """Whether the PostgreSQL answering on our port runs from our data folder (and not, say, another
        checkout's cluster or a system one that happens to use the port)."""
        try:
            served = self._psql("SHOW data_directory")
        except LocalDbError:  # it does not even let our superuser in: not ours
            return False
        return Path(served).resolve() == self.data_dir

    def init(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        res = self._as_owner([str(_pg_bindir() / "initdb"), "-D", str(self.data_dir), "-U", "postgres",
                              "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8",
                              "--locale=C.UTF-8"])
        if res.returncode != 0:
            raise LocalDbError(f"initdb failed: {res.stderr.strip()}")
        # The superuser may connect from this machine without a password (the cluster's owner
        # is the only one who can reach the data folder anyway); the app's role needs one.
        hba = self.data_dir / "pg_hba.conf"
        hba.write_text("local all all trust\nhost all postgres 127.0.0.1/32 trust\n"
                       "host replication postgres 127.0.0.1/32 trust\n"
                       "host all all 127.0.0.1/32 scram-sha-256\nhost all all ::1/128 scram-sha-256\n")
        with open(self.data_dir / "postgresql.conf", "a") as conf:
            conf.write(f"\nlisten_addresses = '127.0.0.1'\nport = {self.port}\n"
                       f"unix_socket_directories = ''\nshared_buffers = '512MB'\nwork_mem = '32MB'\n"
                       f"max_connections = 200\nfsync = on\n")

    def start(self) -> None:
        res = self._as_owner([str(_pg_bindir() / "pg_ctl"), "-D", str(self.data_dir), "-l",
                              str(self.log_file), "-w", "-t", "60", "start"])
        if res.returncode != 0 and not self.running():
            raise LocalDbError(f"could not start PostgreSQL (see {self.log_file}): {res.stderr.strip()}")

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (`immediate` skips the shutdown checkpoint: for throw-away clusters)."""
        if self.initialized() and self.running():
            self._as_owner([str(_pg_bindir() / "pg_ctl"), "-D", str(self.data_dir), "-m", mode, "-w", "stop"])

    def ensure_database(self, dbname: str = DB_NAME) -> None:
        if not self.password_file.exists():
            self.password_file.write_text(secrets.token_urlsafe(18))
            self.password_file.chmod(0o600)
        password = self.password_file.read_text().strip()
        if self._psql(f"SELECT 1 FROM pg_roles WHERE rolname = '{DB_USER}'") != "1":
            self._psql(f"CREATE ROLE {DB_USER} LOGIN CREATEDB PASSWORD '{password}'")
        else:
            self._psql(f"ALTER ROLE {DB_USER} PASSWORD '{password}'")
        # A zone edit waiting behind autovacuum shortens the wait (app.enterprises.assignment.lock_enterprises).
        self._psql(f"GRANT SET ON PARAMETER deadlock_timeout TO {DB_USER}")
        if self._psql(f"SELECT 1 FROM pg_database WHERE datname = '{dbname}'") != "1":
            self._psql(f"CREATE DATABASE {dbname} OWNER {DB_USER}")
        self._psql("CREATE EXTENSION IF NOT EXISTS postgis", dbname=dbname)

    def ensure_running(self, dbname: str = DB_NAME) -> str:
        """Initialise, start and provision the cluster as needed; return the database URL."""
        if self.running() and not self.serves_this_cluster():
            raise LocalDbError(f"another PostgreSQL answers on 127.0.0.1:{self.port}, not the cluster in "
                               f"{self.data_dir}: stop it, or set QINGPU_PG_PORT to a free port")
        if not self.initialized():
            self.init()
        if not self.running():
            self.start()
            for _ in range(50):
                if self.running():
                    break
                time.sleep(0.1)
        self.ensure_database(dbname)
        return self.url(dbname)

    def standby_at(self, root: Path, port: int) -> "LocalCluster":
        """A hot standby of this (running) cluster in `root`, to listen on `port`: pg_basebackup -R copies
        the data and writes standby.signal and primary_conninfo, so once started it streams from here.
        Not started; the app's role and password are those of the primary (they are replicated)."""
        standby = LocalCluster(root=root, port=port)
        root.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(root, "postgres", "postgres")
        res = self._as_owner([str(_pg_bindir() / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(self.port),
                              "-U", "postgres", "-w", "-D", str(standby.data_dir), "-R", "-X", "stream",
                              "-c", "fast"])
        if res.returncode != 0:
            raise LocalDbError(f"pg_basebackup failed: {res.stderr.strip()}")
        with open(standby.data_dir / "postgresql.conf", "a") as conf:
            conf.write(f"\n# a hot standby of the cluster on port {self.port}\nport = {port}\nhot_standby = on\n")
        if self.password_file.exists():
            shutil.copyfile(self.password_file, standby.password_file)
            standby.password_file.chmod(0o600)
        return standby
