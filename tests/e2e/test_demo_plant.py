"""``edgestock demo --scenario plant`` end to end, as a user runs it: the plant's real agent running
its work orders on the OPC UA assembly cell, the cloud, PostgreSQL and the site bus. The work
order runs on the line and closes at its last unit, the servo lot of the wrong serial range is
caught at kitting with the rule's reason, the kitting board shows the cable sets a supplier
shipped on their way with their ETA, and a finished serial is traced to its component lots and
inspection results. A story that did not happen names each step."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from edgestock.demos.plant import PlantSummary
from edgestock.processes import edgestock_argv

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


def test_a_line_runs_a_work_order_and_a_serial_is_traced(tmp_path: Path, database_url: str) -> None:
    argv = edgestock_argv("demo", "--scenario", "plant", "--workdir", str(tmp_path / "demo"))
    argv += ["--database-url", database_url]
    started = time.monotonic()
    done = subprocess.run(argv, capture_output=True, text=True, timeout=280, check=False)
    took = time.monotonic() - started
    out = done.stdout
    assert done.returncode == 0, out + done.stderr
    print(f"plant demo: {took:.1f} s")  # the figure docs/plants.md keeps

    assert "receiving: servo lot S-OLD (serial 0101, firmware V2.2): refused: servo-fw-v23" in out
    board = out[out.index("kitting board of WO-1001") : out.index("kit complete at")]
    assert "refused lot S-OLD (10): servo-fw-v23: servo motors 001-500 need firmware V2.3" in board
    assert "purchase order PO-88: 12 cable sets from harness-co (sent), shipped with notice" in out
    assert "wire      cable-set    required   4  on hand   0  in transit   4, ETA 20" in board
    assert "-> arriving" in board
    serials = ", ".join(f"RA-WO-1001-000{n}" for n in range(1, 5))
    assert f"line: {serials} off the line; WO-1001 closed: last unit built (4 of 4)" in out
    assert "cloud: WO-1001 built 4, closed by the line: last unit built (4 of 4)" in out
    life = out[out.index("one item, one code (GET /v1/serials/RA-WO-1001-0001)") :]
    assert "build: assemble at cell-2 by li.wei, work order WO-1001" in life
    assert "component servo-motor lot S-NEW from servo-maker" in life
    assert "component reducer lot R-7 from gear-works" in life
    assert "inspection robot-arm RA-WO-1001-0001: pass (EOL-0001.pdf, by qa.zhou)" in life
    assert "inspection servo-motor S-NEW: pass (IQC-601, by qa.zhou)" in life
    assert out.rstrip().endswith(
        "work order run, wrong servos caught at kitting, serial traced: yes"
    )


def test_a_story_that_did_not_happen_names_each_missing_step() -> None:
    summary = PlantSummary(
        refused_at_kitting="servo-fw-v23: …", serials=["RA-WO-1001-0001"],
        traced_lots=["servo-motor/S-NEW"], inspections=["robot-arm/RA-WO-1001-0001: pass"],
        problems=["the cloud to read WO-1001 closed: never ready within 60 s"],
    )  # fmt: skip
    assert summary.missing() == [
        "the cloud to read WO-1001 closed: never ready within 60 s",
        "kitting: the cable sets were not shown on their way with an ETA",
        "line: 1 serials came off the line, not 4",
        "line: work order WO-1001 was not closed at its last unit",
        "trace: RA-WO-1001-0001 was not traced to its servo and reducer lots",
        "trace: RA-WO-1001-0001's inspection results were not in its life",
    ]
