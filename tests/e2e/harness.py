"""The spine end to end, with every part real: a Modbus scale simulator (in this process,
on its own event loop thread), the cloud and the agent as child processes, PostgreSQL, and
the agent's SQLite file. Used by the end-to-end tests and the soak script.

The agent is enrolled as a user enrols one (``edgestock.demos.enrolment``: the commands
``cloud admin create``, ``cloud enrolment-code create`` and ``provision enroll`` run as
child processes), and the cloud is read as the site's admin."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import orjson
import psycopg

from edgestock.demos.enrolment import SiteAdmin, create_admin, enrol_agent
from edgestock.processes import Child, edgestock_argv, free_port, wait_http
from simulators.modbus_scale import ScaleSimulator

SITE = "e2e-kitchen"
ORG = "e2e-org"
ADMIN = "admin@e2e.example"
ITEM = "chicken-thigh"
STATION = "wok-station"
PROFILE = "scales/laumas-tlu"

T = TypeVar("T")
Ledger = dict[tuple[str, str, str], tuple[Decimal, str]]


class ThreadedScale:
    """A Modbus TCP scale served from a background event loop, driven from sync code."""

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._sim = ScaleSimulator(PROFILE)
        self.port = self._call(self._sim.start_tcp("127.0.0.1", 0))

    def _call(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(10)

    def set_weight(self, grams: float, *, stable: bool = True) -> None:
        self._call(self._sim.set_weight(grams, stable=stable))

    def close(self) -> None:
        self._call(self._sim.stop())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)


@dataclass
class Cloud:
    database_url: str
    workdir: Path
    port: int = 0
    child: Child | None = None
    admin: SiteAdmin | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Cloud:
        self.port = self.port or free_port()
        argv = edgestock_argv("cloud", "serve", "--port", str(self.port))
        log = self.workdir / "cloud.log"
        self.child = Child("cloud", argv, log, env={"DATABASE_URL": self.database_url}).start()
        wait_http(f"{self.url}/healthz", self.child)
        if self.admin is None:
            self.admin = create_admin(
                self.workdir, self.database_url, self.url, org=ORG, site=SITE, email=ADMIN
            )
        return self

    def stop(self) -> None:
        if self.child is not None:
            self.child.stop()

    def ledger(self) -> Ledger:
        assert self.admin is not None, "start the cloud first"
        with self.admin.client() as client:
            lines = client.get(f"/v1/sites/{SITE}/stock").json()["lines"]
        return {
            (line["item"], line["lot"], line["location"]): (Decimal(line["qty"]), line["unit"])
            for line in lines
        }

    def event_hashes(self) -> list[tuple[int, str]]:
        with psycopg.connect(self.database_url) as conn:
            rows = conn.execute(
                "SELECT seq, hash FROM events WHERE site = %s ORDER BY seq", (SITE,)
            ).fetchall()
        return [(int(seq), str(digest)) for seq, digest in rows]


def write_agent_config(workdir: Path, cloud: Cloud, scale_port: int) -> Path:
    """Enrol an agent of ``SITE`` reading the scale at ``scale_port``; its config file."""
    template = {
        "store": {"path": "agent.db", "retention_after_ack": None},
        "cloud": {
            "batch_max_events": 200,
            "batch_max_delay_ms": 20,
            "timeout_s": 5,
            "backoff_initial_s": 0.05,
            "backoff_max_s": 0.5,
        },
        "devices": [
            {
                "id": "wok-scale",
                "profile": PROFILE,
                "transport": {"type": "tcp", "host": "127.0.0.1", "port": scale_port},
                "poll_interval_ms": 20,
                "timeout_s": 0.5,
            }
        ],
        "scales": [{"device": "wok-scale", "item": ITEM, "location": STATION}],
    }
    path = workdir / "agent.yaml"
    enrol_agent(workdir, cloud.database_url, cloud.url, SITE, template, path)
    return path


class AgentFiles:
    """Read-only look at the agent's SQLite file, as an operator would take it."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def query(self, sql: str, *args: object) -> list[tuple[Any, ...]]:
        if not self.path.exists():
            return []
        with sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=10) as conn:
            try:
                return conn.execute(sql, args).fetchall()
            except sqlite3.OperationalError as exc:
                if "no such table" in str(exc):
                    return []  # the agent has opened its file but not made its tables yet
                raise

    def last_seq(self) -> int:
        rows = self.query("SELECT seq FROM chain_head")
        return int(rows[0][0]) if rows else 0

    def acked_seq(self) -> int:
        rows = self.query("SELECT acked_seq FROM sync_cursor")
        return int(rows[0][0]) if rows else 0

    def weight(self) -> Decimal | None:
        rows = self.query("SELECT value FROM latest_readings WHERE metric = 'weight'")
        return Decimal(rows[0][0]) if rows else None

    def ledger(self) -> Ledger:
        rows = self.query("SELECT item, lot, location, qty, unit FROM ledger")
        return {(i, lot, loc): (Decimal(q), u) for i, lot, loc, q, u in rows}

    def event_hashes(self) -> list[tuple[int, str]]:
        rows = self.query("SELECT seq, body FROM events ORDER BY seq")
        return [(int(seq), str(orjson.loads(body)["hash"])) for seq, body in rows]


def agent_child(workdir: Path, config: Path) -> Child:
    return Child(
        "agent", edgestock_argv("agent", "run", "--config", str(config)), workdir / "agent.log"
    )


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise TimeoutError(f"waited {timeout} s for {what}")


def station_total(ledger: Ledger) -> Decimal:
    return sum(
        (qty for (item, _, loc), (qty, _) in ledger.items() if (item, loc) == (ITEM, STATION)),
        Decimal(0),
    )
