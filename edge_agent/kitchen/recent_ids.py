"""Whether an id is in one of the kitchen's windows of recent ids, without walking it.

The repeat check of every order (one the bus delivers again is shown, not accepted twice)
asked ``id in state.orders`` of a tuple of up to ``RECENT`` ids: late in a busy day a third
of a millisecond of the agent's work per order line. ``SeenIds`` keeps a set beside the
window it was last given and follows the window's changes from its ends
(``stored_rows.window_change``), so an order costs what it adds and drops, not the window.
"""

from __future__ import annotations

from edge_agent.kitchen.stored_rows import window_change


class SeenIds:
    """Membership in a window of distinct ids that grows at its end and loses its oldest."""

    def __init__(self) -> None:
        self._window: tuple[str, ...] = ()
        self._ids: set[str] = set()

    def contains(self, window: tuple[str, ...], key: str) -> bool:
        """Whether ``key`` is in ``window`` (the window as the state holds it now)."""
        if window is not self._window:
            self._follow(window)
        return key in self._ids

    def _follow(self, window: tuple[str, ...]) -> None:
        added, dropped = window_change(self._window, window)
        self._ids.difference_update(dropped)
        self._ids.update(added)
        if len(self._ids) != len(window) or (window and window[0] not in self._ids):
            self._ids = set(window)  # not grown from the last one seen (a state read back)
        self._window = window
