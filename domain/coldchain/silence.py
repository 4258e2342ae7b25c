"""Silence and gaps: a probe that stops reporting is an alarm, and a gap is never filled.

With a rule's ``interval`` known, a reading's value holds for at most ``silence_after``
(``silent_intervals`` intervals): the detector charges it that long and no longer. When the
time since the last reading reaches ``silence_after``, the location is silent
(``ReadingsSilent``, once); when readings come back after such a gap, the gap is reported
(``ReadingsResumed`` with its length), and nothing about it is assumed.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from domain.coldchain.decisions import Decision, ReadingsResumed, ReadingsSilent
from domain.coldchain.rule import ExcursionRule
from domain.coldchain.state import ExcursionState


def held_until(rule: ExcursionRule, state: ExcursionState, now: datetime) -> datetime:
    """Until when the last reading's value may be charged, as of ``now``."""
    silence = rule.silence_after
    last = state.last
    if silence is None or last is None:
        return now
    return min(now, last.at + silence)


def silence(
    rule: ExcursionRule, state: ExcursionState, now: datetime
) -> tuple[ExcursionState, list[Decision]]:
    """Announce silence once, when no reading came for the rule's silence."""
    after, last = rule.silence_after, state.last
    if after is None or last is None or state.silent or now < last.at + after:
        return state, []
    silent = ReadingsSilent(state.location, last.at + after, last.at, last.celsius)
    return replace(state, silent=True), [silent]


def resumed(
    rule: ExcursionRule, state: ExcursionState, at: datetime
) -> tuple[ExcursionState, list[Decision]]:
    """A reading at ``at`` after a gap of at least the rule's silence: report the gap."""
    after, last = rule.silence_after, state.last
    if after is None or last is None or at - last.at < after:
        return state, []
    gap = ReadingsResumed(state.location, at, last.at, at - last.at)
    return replace(state, silent=False), [gap]
