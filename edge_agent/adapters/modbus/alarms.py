"""Which device alarms rose or cleared between two observations. Pure: the profile says
which flags are alarms and how severe; the poller hands the result to the sink."""

from __future__ import annotations

from collections.abc import Mapping

from domain.observation import Observation, Value
from domain.payloads import DeviceAlarm
from edge_agent.adapters.modbus.profile import DeviceProfile


def alarm_changes(
    profile: DeviceProfile, before: Mapping[str, Value] | None, now: Observation
) -> list[DeviceAlarm]:
    """Alarms whose flag differs from ``before``; with no ``before``, the active ones only."""
    changes = []
    for code, severity in profile.alarms.items():
        active = now.values.get(code) is True
        was = before.get(code) is True if before is not None else False
        if active != was:
            state = "raised" if active else "cleared"
            changes.append(
                DeviceAlarm(
                    device=now.device,
                    code=code,
                    message=f"{profile.model}: {code.replace('_', ' ')} {state}",
                    severity=severity,
                    active=active,
                )
            )
    return changes
