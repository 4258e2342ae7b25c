"""TPHC at the edge as the Food Code writes it (3-501.19; issue 18, item 6): no restart of
the same food, the start temperature on record, and the 6-hour option for cold food with
its 21 °C ceiling watched by the pass's food probe."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from tests.edge.test_kitchen_clocks import MONDAY, kitchen, pda, plate_lots, receive


async def test_tphc_cannot_be_restarted_on_the_same_food(tmp_path: Path) -> None:
    """Out at noon, `stop` at 15:30, `tphc` again at 15:31: refused, with when it began."""
    noon = MONDAY.replace(hour=12)
    async with kitchen(tmp_path / "a.db") as k:
        receive(k.store, "R1")
        await k.sink.observe(pda("tphc", "R1", noon, temp="4"))
        await k.sink.observe(pda("stop", "R1", noon + timedelta(hours=3, minutes=30)))
        await k.sink.observe(pda("tphc", "R1", noon + timedelta(hours=3, minutes=31), temp="4"))
        (reason,) = k.reasons()
        assert "lot R1 went under time as a public health control at 2026-11-23T11:00:00" in reason
        assert "may not start again (Food Code 3-501.19)" in reason
        assert k.clock_events("R1") == [("clock.started", "tphc"), ("clock.completed", "tphc")]
    async with kitchen(tmp_path / "a.db") as k:  # remembered across a restart
        await k.sink.observe(pda("tphc", "R1", noon + timedelta(hours=5), temp="4"))
        assert len(k.reasons()) == 2


async def test_tphc_records_its_start_temperature_and_refuses_warm_food(tmp_path: Path) -> None:
    noon = MONDAY.replace(hour=12)
    async with kitchen(tmp_path / "a.db") as k:
        receive(k.store, "R1", "R2")
        await k.sink.observe(pda("tphc", "R1", noon, temp="3.5"))
        await k.sink.observe(pda("tphc", "R2", noon, temp="30"))
        await k.sink.observe(pda("tphc", "R2", noon))  # no temperature at all
        (started,) = k.events("clock.started")
        assert str(started["detail"]).startswith("4-hour option from 3.5 °C; discard at")
        bad, missing = k.reasons()
        assert "must start at 5 °C or below, or 57 °C or above; got 30 °C" in bad
        assert "tphc needs the probe's °C" in missing


async def test_the_six_hour_option_blocks_food_above_21_c(tmp_path: Path) -> None:
    noon = MONDAY.replace(hour=12)
    async with kitchen(tmp_path / "a.db") as k:
        receive(k.store, "R1", "R2")
        await k.sink.observe(pda("tphc-6h", "R1", noon, temp="4"))
        await k.probe("20", noon + timedelta(hours=2))
        await k.sink.tick(noon + timedelta(hours=5))
        assert k.events("clock.expired") == []  # past 4 h, within 6 h, under 21 °C
        await k.probe("22", noon + timedelta(hours=5, minutes=10))
        (expired,) = k.events("clock.expired")
        assert "22 °C, above 21 °C under the 6-hour option: discard" in str(expired["detail"])
        assert plate_lots(k, noon + timedelta(hours=6))["R1"][0] is not None
        await k.sink.observe(pda("tphc-6h", "R2", noon, temp="6"))
        assert "6-hour option: must start at 5 °C or below, got 6 °C" in k.reasons()[0]
