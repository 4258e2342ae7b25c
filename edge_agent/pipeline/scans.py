"""A barcode read becomes a ``code.scanned`` event: every read the debounce let through is
kept, so the rules that act on scans (receiving, thawing, picking) and an audit can use it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from domain.events import EventDraft
from domain.observation import Observation
from domain.payloads import CodeScanned

_NAMED = ("gtin", "lot", "serial", "location")


class ScanUnusable(ValueError):
    """An observation from a scanner that carries no code."""


def scan_event(obs: Observation) -> EventDraft:
    values = obs.values
    code = values.get("code")
    if not isinstance(code, str) or not code:
        raise ScanUnusable(f"{obs.device}: a scan without a 'code' value: {dict(values)}")
    weight = values.get("net_weight")
    payload = CodeScanned(
        device=obs.device,
        code=code,
        symbology=str(values.get("symbology", "")),
        gs1=values.get("gs1") is True,
        expires_on=_date(values.get("expiry")),
        best_before=_date(values.get("best_before")),
        net_weight_kg=weight if isinstance(weight, Decimal) else None,
        other={k[3:]: str(v) for k, v in values.items() if k.startswith("ai_")},
        **{k: str(values[k]) for k in _NAMED if k in values},
    )
    return EventDraft("code.scanned", obs.at, payload)


def _date(value: object) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else None
