"""What the cloud's operator does straight in the database, from the command line
(``edgestock cloud enrolment-code create``): the functions the API routes call, without a
signed-in person."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from psycopg import AsyncConnection

from cloud.identity.enrolment import IssuedCode, issue_code
from cloud.identity.errors import IdentityRefused


def issue(database_url: str, *, site: str, valid: timedelta, agent: str | None) -> IssuedCode:
    """A new code; raises ``ValueError`` with the reason when it is refused."""
    return asyncio.run(_issue(database_url, site, valid, agent))


async def _issue(database_url: str, site: str, valid: timedelta, agent: str | None) -> IssuedCode:
    async with await AsyncConnection.connect(database_url, autocommit=True) as conn:
        try:
            return await issue_code(conn, site=site, valid=valid, agent=agent, created_by="cli")
        except IdentityRefused as refused:
            raise ValueError(f"{refused.code}: {refused.message}") from refused
