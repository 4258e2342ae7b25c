"""Agent names: each site has names of its own, so no tenant can claim another's.

A new agent's name, whether the cloud gives it or a person chooses it in an enrolment
code, is ``<site>-agent-<suffix>`` with a suffix of letters and digits only (no ``-``).
Cutting ``-agent-<suffix>`` off the end gives the site back, and site strings are unique
across organisations, so two sites never share a name: a person may only ask about names
of the sites they manage, and learns nothing from asking about any other. The cloud
numbers the suffix (``kitchen-1-agent-3``): readable, and guessing it gains nothing.
"""

from __future__ import annotations

import re

_INFIX = "-agent-"
_SUFFIX = re.compile(r"[A-Za-z0-9]{1,40}")


def agent_name(site: str, suffix: str | int) -> str:
    """The name ``<site>-agent-<suffix>``."""
    return f"{site}{_INFIX}{suffix}"


def site_of_name(agent: str) -> str | None:
    """The site whose names include ``agent``, if it is such a name at all."""
    site, infix, suffix = agent.rpartition(_INFIX)
    if not infix or not site or _SUFFIX.fullmatch(suffix) is None:
        return None
    return site


def is_name_of_site(agent: str, site: str) -> bool:
    return site_of_name(agent) == site


def naming_rule(site: str) -> str:
    """How a new agent of ``site`` must be named, said to a person."""
    return f"a new agent of this site is named '{agent_name(site, '')}' and letters or digits"
