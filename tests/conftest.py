"""How the suite is shared between pytest-xdist workers (``make test`` runs ``-n 2``).

Each test module is one unit of work, so a module's fixtures (a browser, a broker, a
cloud) are set up once, on one worker. The long end-to-end stories, the tests marked
``slow``, are one unit together: each starts a whole site (PostgreSQL, the cloud, agents,
simulators) and leans on its timing, so two of them never run at the same moment. That
unit is handed out first, so its few minutes overlap the rest of the suite instead of
ending it.

Without xdist the marks are inert and the order is pytest's own.
"""

from __future__ import annotations

import pytest

SLOW_GROUP = "slow-stories"
"""The xdist group of every test marked ``slow``: run one after another, on one worker."""


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Give every test an xdist group (its module, or ``SLOW_GROUP``); slow ones first.

    ``tryfirst``: xdist reads the groups in its own hook of the same name.
    """
    if config.getoption("dist", "no") != "loadgroup":
        return
    for item in items:
        if item.get_closest_marker("xdist_group") is not None:
            continue  # a test that chose its own group keeps it
        slow = item.get_closest_marker("slow") is not None
        item.add_marker(pytest.mark.xdist_group(SLOW_GROUP if slow else item.nodeid.split("::")[0]))
    # A stable sort, identical on every worker (xdist checks that they collected alike).
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
