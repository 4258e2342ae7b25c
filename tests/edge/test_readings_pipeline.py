"""Which sensor observations become events: deadband, heartbeat, switches and states."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from domain.observation import Observation, Value
from domain.payloads import DeviceState, ReadingRecorded
from edge_agent.pipeline.readings import ReadingPolicy, ReadingRecorder

T0 = datetime(2026, 11, 28, 6, 0, tzinfo=UTC)


def obs(seconds: float, **values: Value) -> Observation:
    return Observation("cold-1", T0 + timedelta(seconds=seconds), values, units={"air_temp": "°C"})


def recorded(recorder: ReadingRecorder, observation: Observation) -> dict[str, object]:
    out: dict[str, object] = {}
    for draft in recorder.observe(observation):
        payload = draft.payload
        assert isinstance(payload, ReadingRecorded | DeviceState)
        out[payload.metric] = payload.value
    return out


def test_first_observation_records_every_metric_with_units_and_location() -> None:
    recorder = ReadingRecorder(ReadingPolicy(locations={"cold-1": "cold-room-1"}))
    drafts = recorder.observe(obs(0, air_temp=Decimal("3.4"), door=False, state="Execute"))
    payloads = {d.payload.metric: (d.type, d.payload) for d in drafts}  # type: ignore[attr-defined]
    assert payloads["air_temp"] == (
        "reading.recorded",
        ReadingRecorded(
            device="cold-1",
            metric="air_temp",
            value=Decimal("3.4"),
            unit="°C",
            location="cold-room-1",
            status="ok",
        ),
    )
    assert payloads["door"][1].value == Decimal(0)
    assert payloads["door"][1].unit == "bool"
    assert payloads["state"] == (
        "device.state",
        DeviceState(device="cold-1", metric="state", value="Execute", location="cold-room-1"),
    )


def test_changes_within_the_deadband_wait_for_the_heartbeat() -> None:
    recorder = ReadingRecorder(ReadingPolicy(heartbeat_s=60, deadband={"air_temp": Decimal("0.2")}))
    assert recorded(recorder, obs(0, air_temp=Decimal("3.4"))) == {"air_temp": Decimal("3.4")}
    assert recorded(recorder, obs(10, air_temp=Decimal("3.5"))) == {}
    assert recorded(recorder, obs(20, air_temp=Decimal("3.6"))) == {}  # 0.2 from 3.4: not more
    assert recorded(recorder, obs(30, air_temp=Decimal("3.7"))) == {"air_temp": Decimal("3.7")}
    assert recorded(recorder, obs(89, air_temp=Decimal("3.7"))) == {}
    assert recorded(recorder, obs(90, air_temp=Decimal("3.7"))) == {"air_temp": Decimal("3.7")}


def test_a_switch_is_recorded_on_every_flip() -> None:
    recorder = ReadingRecorder(ReadingPolicy(heartbeat_s=600))
    flips = [recorded(recorder, obs(t, door=v)) for t, v in enumerate([False, True, True, False])]
    assert flips == [{"door": Decimal(0)}, {"door": Decimal(1)}, {}, {"door": Decimal(0)}]


def test_a_state_is_recorded_only_when_it_changes_even_after_the_heartbeat() -> None:
    recorder = ReadingRecorder(ReadingPolicy(heartbeat_s=1))
    assert recorded(recorder, obs(0, state="Execute")) == {"state": "Execute"}
    assert recorded(recorder, obs(100, state="Execute")) == {}
    assert recorded(recorder, obs(101, state="Held")) == {"state": "Held"}


def test_devices_are_tracked_apart() -> None:
    recorder = ReadingRecorder(ReadingPolicy())
    first = Observation("a", T0, {"t": Decimal(1)})
    second = Observation("b", T0, {"t": Decimal(1)})
    assert len(recorder.observe(first)) == 1
    assert len(recorder.observe(second)) == 1
    assert recorder.observe(first) == []


def test_ignored_metrics_are_never_recorded() -> None:
    recorder = ReadingRecorder(ReadingPolicy(ignored=frozenset({"packet_id"})))
    assert recorded(recorder, obs(0, air_temp=Decimal(3), packet_id=Decimal(7))) == {
        "air_temp": Decimal(3)
    }


def test_a_calibrated_probe_records_value_raw_and_offset_and_its_fault_flag() -> None:
    policy = ReadingPolicy(
        locations={"cold-1": "cold-room-1"}, calibration={("cold-1", "air_temp"): Decimal("-0.3")}
    )
    recorder = ReadingRecorder(policy)
    calibrated = recorder.calibrate(obs(0, air_temp=Decimal("3.4"), alarm_probe_fault=True))
    assert calibrated.values["air_temp"] == Decimal("3.1")
    (reading,) = [
        d.payload
        for d in recorder.observe(calibrated)
        if d.payload.metric == "air_temp"  # type: ignore[attr-defined]
    ]
    assert isinstance(reading, ReadingRecorded)
    assert (reading.value, reading.raw, reading.calibration_offset) == (
        Decimal("3.1"),
        Decimal("3.4"),
        Decimal("-0.3"),
    )
    assert reading.status == "probe_fault"


def test_what_was_recorded_survives_a_restart_so_a_redelivery_is_not_recorded_twice() -> None:
    """Issue 9: after a SIGKILL between the write and the MQTT ack, the broker redelivers the
    message; the new process must know it was recorded."""
    before = ReadingRecorder(ReadingPolicy())
    first = obs(0, air_temp=Decimal("3.40"), door=True, state="1")
    assert recorded(before, first) == {"air_temp": Decimal("3.40"), "door": 1, "state": "1"}
    after = ReadingRecorder(ReadingPolicy(), before.checkpoint())
    assert recorded(after, obs(2, air_temp=Decimal("3.40"), door=True, state="1")) == {}
    assert recorded(after, obs(3, air_temp=Decimal("3.5"), door=False, state="2")) == {
        "air_temp": Decimal("3.5"),
        "door": 0,
        "state": "2",
    }
    assert recorded(ReadingRecorder(ReadingPolicy(), None), first) != {}


def test_a_reading_whose_write_failed_is_recorded_when_it_comes_again() -> None:
    """Issue 9, finding 5: the value counted as seen before the write; the redelivery after a
    full disk looked unchanged and was dropped and acked."""
    recorder = ReadingRecorder(ReadingPolicy())
    drafts = recorder.observe(obs(0, air_temp=Decimal("3.4")))
    recorder.forget(drafts)  # what the sink does when storing them fails
    assert recorded(recorder, obs(1, air_temp=Decimal("3.4"))) == {"air_temp": Decimal("3.4")}
