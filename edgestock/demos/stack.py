"""The demo stack every scenario composes: database, cloud, site bus, admin and enrolment,
agents, simulators and feeders, each a real process (or, for a feeder, a real protocol
server in this process), each waited for on an explicit readiness signal.

``DemoStack`` is a context manager. Parts are stopped in this order, whatever order they
were started in: feeders and simulators, then agents (SIGTERM: each does a last sync), then
the site bus, the cloud, and the database. A scenario calls ``stop_devices_and_agents`` when
its story has played, reads its summary from the agent's store and the cloud, and leaves the
rest to the context's end. Ctrl-C or SIGTERM ends ``play`` early (``interrupted`` says so);
every child runs in its own process group, so the terminal's Ctrl-C reaches only the demo,
which stops its children in order. Each child's PID is written to ``children.pids`` in the
work folder (``name pid`` per line) for whoever needs to check they are gone.
"""

from __future__ import annotations

import contextlib
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol, TypeVar

import typer

from edgestock.demos.console import say, warn
from edgestock.demos.enrolment import SiteAdmin, create_admin, enrol_agent
from edgestock.demos.feeder import Feeder
from edgestock.demos.interrupt import Interrupted, Signals, stop_signals_noted
from edgestock.demos.readiness import (
    RetainedWatch,
    http_answers,
    status_reported,
    wait_until,
)
from edgestock.migration_report import describe_migration
from edgestock.processes import Child, edgestock_argv, free_port, port_accepts

ORG = "Demo Restaurants"
ADMIN = "admin@demo.example"
PIDS = "children.pids"
ONLINE = b"online"
"""What the agent publishes, retained, on ``edgestock/<site>/agent/status`` once it has
subscribed to the site bus (docs/mqtt.md): the demo reads it as any bus client would."""


class Tier(IntEnum):
    """The order of teardown: lower first."""

    FEEDERS = 0
    AGENTS = 1
    BUS = 2
    CLOUD = 3
    DATABASE = 4


@dataclass(frozen=True)
class SiteBus:
    host: str
    port: int


@dataclass(frozen=True)
class EnrolledAgent:
    id: str
    config: Path
    store: Path


@dataclass
class _Part:
    tier: Tier
    name: str
    stop: Callable[[], object]
    child: Child | None = None
    feeder: Feeder | None = None


class PartFailed(RuntimeError):
    """A part of the demo died or failed while the story played."""


class DemoStack:
    """The parts of one demo run, started on demand and stopped in order."""

    def __init__(
        self,
        *,
        site: str,
        workdir: Path | None,
        prefix: str,
        database_url: str | None,
        org: str = ORG,
        admin_email: str = ADMIN,
    ) -> None:
        self.site, self.org, self.admin_email = site, org, admin_email
        self._workdir, self._prefix, self._given_url = workdir, prefix, database_url
        self._parts: list[_Part] = []
        self._exit = contextlib.ExitStack()
        self.root = Path()
        self.signals = Signals()
        self.database_url = ""
        self.cloud_url = ""
        self.admin: SiteAdmin | None = None
        self.agent: EnrolledAgent | None = None

    def __enter__(self) -> DemoStack:
        self.signals = self._exit.enter_context(stop_signals_noted())
        self.root = work_folder(self._exit, self._workdir, self._prefix)
        self._exit.callback(self.stop_all)
        say(f"working in {self.root}")
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._exit.__exit__(kind, exc, tb)

    # -- the parts, in the order a scenario usually starts them -----------------------------

    def start_database(self) -> str:
        """``DATABASE_URL`` if given, else an embedded PostgreSQL; its URL."""
        if self._given_url:
            self.database_url = self._given_url
            return self.database_url
        from cloud.postgres_server import PostgresServer

        say("no DATABASE_URL: starting an embedded PostgreSQL (its data goes when the demo ends)")
        server = PostgresServer().start()
        self._parts.append(_Part(Tier.DATABASE, "PostgreSQL", server.stop))
        self._record_pid("postgres", server.pid)
        say(f"PostgreSQL at {server.url}")
        self.database_url = server.url
        return self.database_url

    def start_cloud(self) -> str:
        """Migrate, serve the cloud API as a child; its URL once ``/healthz`` answers."""
        from cloud.migrate import migrate

        say(describe_migration(migrate(self.database_url)))
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        argv = edgestock_argv("cloud", "serve", "--port", str(port))
        cloud = self._start_child(
            "cloud", argv, Tier.CLOUD, env={"DATABASE_URL": self.database_url}
        )
        self.wait(f"the cloud API ({url}/healthz)", http_answers(f"{url}/healthz"), 60, [cloud])
        say(f"cloud API at {url} (log {cloud.log})")
        self.cloud_url = url
        return url

    def start_site_bus(self) -> SiteBus:
        """A Mosquitto of the site's own, on loopback; ready when its port accepts."""
        from simulators.mosquitto import Mosquitto

        folder = self.root / "broker"
        folder.mkdir(exist_ok=True)
        broker = Mosquitto(folder)
        config = folder / "mosquitto.conf"
        config.write_text(broker.config_text(), encoding="utf-8")
        child = self._start_child("site bus", ["mosquitto", "-c", str(config)], Tier.BUS)
        self.wait("the site bus (Mosquitto)", lambda: port_accepts(broker.host, broker.port), 15,
                  [child])  # fmt: skip
        say(f"site bus: Mosquitto on {broker.host}:{broker.port}")
        return SiteBus(broker.host, broker.port)

    def create_admin(self) -> SiteAdmin:
        """The organisation, the site and their admin, with ``edgestock cloud admin create``."""
        self.admin = create_admin(self.root, self.database_url, self.cloud_url, org=self.org,
                                  site=self.site, email=self.admin_email)  # fmt: skip
        return self.admin

    def enrol_agent(self, template: dict[str, Any], name: str = "agent") -> EnrolledAgent:
        """Enrol an agent of the site with ``template``'s devices; its id, config and store."""
        from edge_agent.config import load_agent_config

        config = self.root / f"{name}.yaml"
        agent_id = enrol_agent(self.root, self.database_url, self.cloud_url, self.site,
                               template, config)  # fmt: skip
        self.agent = EnrolledAgent(agent_id, config, load_agent_config(config).store.path)
        return self.agent

    def start_agent(
        self, agent: EnrolledAgent, bus: SiteBus | None = None, *, site: str | None = None,
        name: str = "agent",
    ) -> Child:  # fmt: skip
        """Run ``agent`` (of ``site``, the stack's by default, as part ``name``); ready when
        it says ``online`` on ``bus`` (so it has subscribed), or without a bus, when it has
        written its status file."""
        from edge_agent.status import status_path

        argv = edgestock_argv("agent", "run", "--config", str(agent.config))
        watch = None
        if bus is not None:
            topic = f"edgestock/{site or self.site}/agent/status"
            watch = RetainedWatch(bus.host, bus.port, topic)
        try:
            child = self._start_child(name, argv, Tier.AGENTS, stop_timeout=30)
            if watch is not None:
                what = "the agent (its retained 'online' on the site bus)"
                took = self.wait(what, watch.says(ONLINE), 60, [child])
                say(f"agent online on the site bus, subscribed ({took:.1f} s)")
            else:
                ready = status_reported(status_path(agent.store), child.pid)
                took = self.wait("the agent (its status file)", ready, 60, [child])
                say(f"agent running, its status file written ({took:.1f} s)")
        finally:
            if watch is not None:
                watch.close()
        return child

    def start_simulator(self, name: str, args: Sequence[str], port: int) -> Child:
        """``edgestock sim ARGS`` as a child, ready when ``port`` accepts."""
        child = self._start_child(name, edgestock_argv("sim", *args), Tier.FEEDERS)
        self.wait(f"the {name} (port {port})", lambda: port_accepts("127.0.0.1", port), 30,
                  [child])  # fmt: skip
        return child

    def start_feeder(self, name: str) -> Feeder:
        """A thread with an event loop for in-process simulators; stopped first."""
        feeder = Feeder(name)
        self._parts.append(_Part(Tier.FEEDERS, name, feeder.stop, feeder=feeder))
        return feeder

    # -- running -----------------------------------------------------------------------------

    def wait(
        self, what: str, ready: Callable[[], bool], timeout: float, watch: Sequence[Child] = ()
    ) -> float:
        """Wait for ``ready`` (bounded, Ctrl-C aware); the seconds it took."""
        return wait_until(what, ready, timeout=timeout, watch=watch,
                          checkpoint=self.signals.checkpoint)  # fmt: skip

    def pause(self, seconds: float) -> None:
        """Let the story run ``seconds``, checking for Ctrl-C and dead parts all along."""
        end = time.monotonic() + seconds
        while True:
            self.signals.checkpoint()
            self.check_parts()
            left = end - time.monotonic()
            if left <= 0:
                return
            time.sleep(min(0.2, left))

    def check_parts(self) -> None:
        """Raise ``PartFailed`` if a child exited or a feeder failed while the story plays."""
        for part in self._parts:
            if part.child is not None and not part.child.alive():
                raise PartFailed(f"the {part.name} exited:\n{part.child.tail()}")
            failure = part.feeder.failure() if part.feeder is not None else None
            if failure is not None:
                raise PartFailed(f"the {part.name} failed: {failure!r}") from failure

    def play(self, story: Callable[[], None]) -> None:
        """Play the scenario's story; a stop signal ends it early (see ``interrupted``)."""
        with contextlib.suppress(Interrupted):
            story()

    @property
    def interrupted(self) -> str | None:
        """``SIGINT after 12 s`` if a stop signal came, else None."""
        return self.signals.describe()

    # -- stopping ----------------------------------------------------------------------------

    def stop_devices_and_agents(self) -> None:
        """Stop feeders and simulators, then the agents (each syncs what is left)."""
        self._stop(Tier.FEEDERS)
        if any(part.tier is Tier.AGENTS for part in self._parts):
            say("stopping the agent (it syncs what is left before it exits)")
        self._stop(Tier.AGENTS)

    def stop_part(self, name: str) -> None:
        """Stop one part now, by name (a scenario's injected fault: a device goes away)."""
        for part in [p for p in self._parts if p.name == name]:
            self._parts.remove(part)
            part.stop()

    def stop_all(self) -> None:
        """Stop every part still running, tier by tier."""
        self._stop(max(Tier))

    def _stop(self, up_to: Tier) -> None:
        for tier in Tier:
            if tier > up_to:
                return
            for part in reversed([p for p in self._parts if p.tier is tier]):
                self._parts.remove(part)
                try:
                    part.stop()
                except Exception as exc:  # keep stopping the rest; say what was left behind
                    warn(f"stopping the {part.name} failed: {exc!r}")

    def _start_child(
        self, name: str, argv: Sequence[str], tier: Tier, *, env: dict[str, str] | None = None,
        stop_timeout: float = 15.0,
    ) -> Child:  # fmt: skip
        log = self.root / f"{name.replace(' ', '-')}.log"
        child = Child(name, argv, log, env=env, own_group=True).start()
        self._parts.append(_Part(tier, name, lambda: child.stop(stop_timeout), child=child))
        self._record_pid(name.replace(" ", "-"), child.pid)
        return child

    def _record_pid(self, name: str, pid: int | None) -> None:
        with (self.root / PIDS).open("a", encoding="utf-8") as pids:
            pids.write(f"{name} {pid}\n")


def work_folder(stack: contextlib.ExitStack, workdir: Path | None, prefix: str) -> Path:
    """The demo's folder: ``workdir`` if given (new or empty: a demo's cloud is new each
    run, so an earlier run's agent key and store would not fit it), else a temp folder."""
    if workdir is None:
        return Path(stack.enter_context(tempfile.TemporaryDirectory(prefix=prefix)))
    if workdir.exists() and any(workdir.iterdir()):
        raise typer.BadParameter(
            f"{workdir} holds an earlier run; give a new or empty folder", param_hint="--workdir"
        )
    workdir.mkdir(parents=True, exist_ok=True)
    return workdir


class Story(Protocol):
    """What a scenario's summary offers: the interruption noted, the gaps of its story."""

    interrupted: str | None

    def missing(self) -> list[str]: ...


S = TypeVar("S", bound=Story)


def play_story(
    summary: S,
    story: Callable[[DemoStack, S], None],
    *,
    site: str,
    prefix: str,
    workdir: Path | None,
    database_url: str | None,
    told: str,
) -> S:
    """Play ``story`` on a fresh stack for ``site``, keep an interruption in ``summary``,
    then say ``told: yes`` when nothing of the story is missing (``no`` otherwise)."""
    with DemoStack(site=site, workdir=workdir, prefix=prefix, database_url=database_url) as stack:
        stack.play(lambda: story(stack, summary))
        summary.interrupted = stack.interrupted
    say(f"{told}: {'yes' if not summary.missing() else 'no'}")
    return summary
