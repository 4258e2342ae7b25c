"""How the suite is shared between pytest-xdist workers (``make test`` runs ``-n auto
--dist loadgroup``).

Each test module is one unit of work, so a module's fixtures (a browser, a broker, a
cloud) are set up once, on one worker. The long end-to-end stories (``SLOW_STORIES``) are
one unit together: each starts a whole site (PostgreSQL, the cloud, agents, simulators) and
leans on its timing, so two of them never run at the same moment. That unit is collected,
so handed out, first: its minutes overlap the rest of the suite instead of ending it.

xdist's own ``loadgroup`` reads ``xdist_group`` marks by renaming each test's node id,
which pytest 9 no longer allows; the groups are therefore decided here, from the node id,
by a scheduler of our own. Without xdist nothing here applies.
"""

from __future__ import annotations

from fnmatch import fnmatch
from typing import Any

import pytest
from xdist.scheduler import LoadScopeScheduling

SLOW_GROUP = "slow-stories"
SLOW_STORIES = (
    "tests/e2e/test_demo*.py",
    "tests/e2e/test_*_demo.py",
    "tests/e2e/test_chaos.py",
    "tests/e2e/test_spine.py",
    "tests/e2e/test_all_devices.py",
)
"""Modules of the stories that start a whole site and run for tens of seconds."""


def work_unit(nodeid: str) -> str:
    """The unit a test is scheduled in: ``SLOW_GROUP``, an explicit group, or its module."""
    if nodeid.rfind("@") > nodeid.rfind("]"):
        return nodeid.rsplit("@", 1)[1]  # an xdist_group mark, where pytest lets xdist add it
    module = nodeid.split("::", 1)[0]
    return SLOW_GROUP if any(fnmatch(module, pattern) for pattern in SLOW_STORIES) else module


class StoryScheduling(LoadScopeScheduling):
    """xdist's scope scheduling, with ``work_unit`` as the scope."""

    def _split_scope(self, nodeid: str) -> str:
        return work_unit(nodeid)


@pytest.hookimpl(optionalhook=True)  # a run without xdist (-p no:xdist) still works
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> StoryScheduling | None:
    """Our scheduler for ``--dist loadgroup``; xdist's own for any other mode."""
    if config.getvalue("dist") != "loadgroup":
        return None
    return StoryScheduling(config, log)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under ``--dist loadgroup``, collect the slow stories first (a stable sort, the same on
    every worker, as xdist checks that they collected alike)."""
    # the controller has ``dist``; a worker is told by ``loadgroup`` (its ``dist`` is "no")
    if not (config.getoption("loadgroup", False) or config.getoption("dist", "no") == "loadgroup"):
        return
    items.sort(key=lambda item: work_unit(item.nodeid) != SLOW_GROUP)
