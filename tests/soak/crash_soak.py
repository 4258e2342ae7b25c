"""Soak: SIGKILL the agent at random moments, N rounds (default 1,000), then check that
every event is in the cloud exactly once and that both ledgers, and the scale, agree.

    .venv/bin/python -m tests.soak.crash_soak [--rounds 1000] [--seed 1]

Each round starts the agent, lets it poll, write and sync for 0.5-2.5 s while the scale's
weight keeps changing, and kills it with SIGKILL. Prints progress every 50 rounds.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import threading
import time
from pathlib import Path

from cloud.migrate import migrate
from cloud.postgres_server import PostgresServer
from tests.e2e.harness import (
    AgentFiles,
    Cloud,
    ThreadedScale,
    agent_child,
    station_total,
    wait_until,
    write_agent_config,
)


def kitchen(scale: ThreadedScale, rng: random.Random, stop: threading.Event) -> None:
    while not stop.is_set():
        scale.set_weight(rng.randrange(0, 5000, 7), stable=rng.random() > 0.2)
        time.sleep(rng.uniform(0.03, 0.15))


def soak(rounds: int, seed: int, workdir: Path) -> bool:
    rng = random.Random(seed)
    with PostgresServer() as server:
        migrate(server.url)
        cloud = Cloud(server.url, workdir).start()
        scale = ThreadedScale()
        files = AgentFiles(workdir / "agent.db")
        config = write_agent_config(workdir, cloud, scale.port)
        stop = threading.Event()
        worker = threading.Thread(target=kitchen, args=(scale, rng, stop), daemon=True)
        worker.start()
        started = time.monotonic()
        try:
            for round_no in range(1, rounds + 1):
                agent = agent_child(workdir, config).start()
                time.sleep(rng.uniform(0.5, 2.5))
                agent.kill()
                if round_no % 50 == 0 or round_no == rounds:
                    print(
                        f"round {round_no}/{rounds}: {files.last_seq()} events,"
                        f" {files.acked_seq()} acknowledged, {time.monotonic() - started:.0f} s"
                    )
            stop.set()
            worker.join(5)
            scale.set_weight(1234)
            with agent_child(workdir, config):
                wait_until(lambda: files.weight() == 1234, 30, "the final weight")
                wait_until(lambda: files.acked_seq() == files.last_seq(), 120, "the last ack")
            exactly_once = cloud.event_hashes() == files.event_hashes()
            ledgers_equal = cloud.ledger() == files.ledger()
            scale_agrees = station_total(files.ledger()) == 1234
        finally:
            stop.set()
            scale.close()
            cloud.stop()
    print(f"events: {files.last_seq()}")
    print(f"every event in the cloud exactly once: {'yes' if exactly_once else 'NO'}")
    print(f"ledger equal: {'yes' if ledgers_equal else 'NO'}")
    print(f"ledger equals the scale's weight: {'yes' if scale_agrees else 'NO'}")
    return exactly_once and ledgers_equal and scale_agrees


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="es-soak-") as tmp:
        ok = soak(args.rounds, args.seed, Path(tmp))
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
