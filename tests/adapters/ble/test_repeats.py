"""``RepeatFilter``: an unchanged frame within the window is a repeat, a changed one is not."""

from __future__ import annotations

from edge_agent.adapters.ble.repeats import RepeatFilter


def test_same_frame_within_window_is_a_repeat_and_after_it_is_new() -> None:
    seen = RepeatFilter()
    assert not seen.is_repeat("t", b"\x01", now=0.0, window_s=10)
    assert seen.is_repeat("t", b"\x01", now=9.9, window_s=10)
    assert not seen.is_repeat("t", b"\x01", now=10.0, window_s=10), "heartbeat after the window"
    assert seen.is_repeat("t", b"\x01", now=19.0, window_s=10), "window restarts at emission"


def test_changed_frame_is_new_and_tags_are_apart() -> None:
    seen = RepeatFilter()
    assert not seen.is_repeat("a", b"\x01", now=0.0, window_s=10)
    assert not seen.is_repeat("b", b"\x01", now=0.1, window_s=10)
    assert not seen.is_repeat("a", b"\x02", now=0.2, window_s=10)
    assert not seen.is_repeat("a", b"\x01", now=0.3, window_s=10), "A-B-A: the last one counts"


def test_zero_window_emits_everything() -> None:
    seen = RepeatFilter()
    assert not any(seen.is_repeat("t", b"\x01", now=0.0, window_s=0) for _ in range(3))
