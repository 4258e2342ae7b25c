"""What is going on in each cold room, by the anomaly classifier (``edge_agent.inference``).

Every watched room's temperature, door and compressor signals go into a window builder;
once a sample period of clock time has passed, the windows of all rooms are scored in one
batch. A confident change of class is recorded as ``coldroom.diagnosed``. The class then acts
on the room's alarm: a door opening or a defrost opens a suppression window for the excursion
detector (so the warm spell it explains raises nothing, unless it lasts), and a compressor
failure or a sensor fault is raised as a ``device.alarm`` at once, long before the
temperature has been out of range for the excursion's delay.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from domain.coldchain.inputs import SuppressionKind, SuppressionWindow
from domain.events import EventDraft
from domain.payloads import DeviceAlarm, RoomDiagnosed
from edge_agent.inference import AnomalyClassifier, Sample, WindowBuilder, WindowRejected

ALARMS: Mapping[str, tuple[int, str]] = {
    "compressor_failure": (900, "compressor failure suspected: the room warms while cooling"),
    "sensor_fault": (700, "temperature probe fault suspected: stuck, missing or impossible"),
}
SUPPRESSES: Mapping[str, SuppressionKind] = {
    "door_open": SuppressionKind.DOOR_OPEN,
    "defrost": SuppressionKind.DEFROST,
}


@dataclass(frozen=True, slots=True)
class Verdict:
    """What one scoring round decided: events to record and windows to suppress alarms in."""

    drafts: list[EventDraft] = field(default_factory=list)
    suppress: list[tuple[str, SuppressionWindow]] = field(default_factory=list)


class RoomDiagnosis:
    """The classifier's view of every watched room, and the last class said of each."""

    def __init__(
        self,
        classifier: AnomalyClassifier,
        devices: Mapping[str, str],
        labels: Mapping[str, str] | None = None,
    ) -> None:
        """``devices``: location -> the device whose alarms a diagnosis is raised on."""
        self.classifier = classifier
        self._devices = dict(devices)
        self._builder = WindowBuilder(classifier.window_spec)
        self._period = timedelta(seconds=classifier.window_spec.period_s)
        self._labels = dict(labels or {})
        self._next: datetime | None = None

    @property
    def labels(self) -> dict[str, str]:
        return dict(self._labels)

    def add(self, sample: Sample) -> None:
        self._builder.add(sample)

    def due(self, now: datetime) -> Verdict:
        """Score every room whose history covers a window, once per sample period."""
        if self._next is not None and now < self._next:
            return Verdict()
        self._next = now + self._period
        windows = self._builder.windows(now)
        if not windows:
            return Verdict()
        try:
            results = self.classifier.classify(windows)
        except WindowRejected:
            return Verdict()  # a window the model cannot read is no verdict; the next one may be
        verdict = Verdict()
        for window, result in zip(windows, results, strict=True):
            if result.confident:
                self._judge(window.location, result.label, result.probabilities, now, verdict)
        return verdict

    def _judge(
        self,
        location: str,
        label: str,
        probabilities: Mapping[str, float],
        now: datetime,
        verdict: Verdict,
    ) -> None:
        kind = SUPPRESSES.get(label)
        if kind is not None:  # while it lasts, each round extends the suppression
            window = SuppressionWindow(kind, now, now + 2 * self._period)
            verdict.suppress.append((location, window))
        previous = self._labels.get(location, "normal")
        if label == previous:
            return
        self._labels[location] = label
        confidence = Decimal(str(round(probabilities[label], 3)))
        diagnosed = RoomDiagnosed(
            location=location,
            label=label,
            previous=previous,
            confidence=confidence,
            mode=self.classifier.mode,
            model=self.classifier.metadata.version,
        )
        verdict.drafts.append(EventDraft("coldroom.diagnosed", now, diagnosed))
        for code, active in ((previous, False), (label, True)):
            if code in ALARMS:
                severity, message = ALARMS[code]
                alarm = DeviceAlarm(
                    device=self._devices[location],
                    code=code,
                    message=f"{location}: {message} (p={confidence})" if active else message,
                    severity=severity,
                    active=active,
                    location=location,
                )
                verdict.drafts.append(EventDraft("device.alarm", now, alarm))
