"""The cold-chain views of a site, composed from ``queries``: what the API serves."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from decimal import Decimal

from cloud.coldchain import queries
from cloud.coldchain.compliance import DayReport, Limits, day_report
from cloud.coldchain.excursions import AffectedLot, affected_lots
from cloud.coldchain.queries import Conn, ExcursionRow, Reaction
from cloud.coldchain.site_day import SiteDay
from domain.coldchain.reactions import excursion_cause


class NotFound(LookupError):
    """The site or location asked for is unknown; the message says which."""


class SignalAmbiguous(ValueError):
    """The report needs a ``metric`` and the location has none or several to choose from."""


@dataclass(frozen=True, slots=True)
class ExcursionView:
    """An excursion with the lots it held and what was done about each, and what else it set
    off (safety stock raised, purchases suggested)."""

    excursion: ExcursionRow
    lots: list[AffectedLot]
    safety_stock: list[Reaction]
    purchases: list[Reaction]


async def check_site(conn: Conn, site: str) -> None:
    if not await queries.site_known(conn, site):
        raise NotFound(f"site {site!r} is unknown: no agent has sent events for it")


async def check_location(conn: Conn, site: str, location: str) -> None:
    await check_site(conn, site)
    if not await queries.location_known(conn, site, location):
        raise NotFound(f"location {location!r} is unknown at site {site!r}")


async def excursion_list(
    conn: Conn,
    site: str,
    *,
    location: str | None,
    status: str | None,
    start: datetime | None,
    end: datetime | None,
) -> list[ExcursionView]:
    if location is None:
        await check_site(conn, site)
    else:
        await check_location(conn, site, location)
    rows = await queries.excursions(
        conn, site, location=location, status=status, start=start, end=end
    )
    causes = [excursion_cause(row.location, row.number) for row in rows]
    blocks, others = await queries.reactions(conn, site, causes) if rows else ({}, {})
    held = [block.key for cause_blocks in blocks.values() for block in cause_blocks]
    released = await queries.releases(conn, site, held) if held else []
    views = []
    for row, cause in zip(rows, causes, strict=True):
        set_off = others.get(cause, [])
        views.append(
            ExcursionView(
                excursion=row,
                lots=affected_lots(blocks.get(cause, []), released),
                safety_stock=[r for r in set_off if r.type == "safety_stock.raised"],
                purchases=[r for r in set_off if r.type == "purchase.suggested"],
            )
        )
    return views


async def compliance_report(
    conn: Conn,
    site: str,
    location: str,
    day: date,
    zone: tzinfo,
    *,
    metric: str | None,
    high_c: Decimal | None,
    low_c: Decimal | None,
    now: datetime,
) -> DayReport:
    """The report of ``day`` as the site lives it in ``zone`` (its own calendar day);
    limits from the query, else from the location's excursions."""
    await check_location(conn, site, location)
    signal = await _signal(conn, site, location, metric)
    site_day = SiteDay(day, zone)
    start, end = site_day.start, site_day.end
    if high_c is not None or low_c is not None:
        limits = Limits(high_c, low_c, "query")
    else:
        limits = await queries.limits_from_excursions(conn, site, location, end)
    rows = await queries.excursions(conn, site, location=location, start=start, end=end)
    # Kolkata's or Kathmandu's hours are no rollup hours: the raw readings alone give them.
    on_rollup = any(hour.on_rollup_hour for hour in site_day.hours())
    return day_report(
        site=site,
        location=location,
        metric=signal[0],
        unit=signal[1],
        day=site_day,
        hourly=await queries.hourly(conn, site, location, signal, start, end) if on_rollup else {},
        readings=await queries.readings_of_day(conn, site, location, signal, start, end),
        limits=limits,
        excursions=[row.span() for row in rows],
        until=now,
    )


async def _signal(conn: Conn, site: str, location: str, metric: str | None) -> tuple[str, str]:
    signals = await queries.temperature_signals(conn, site, location)
    if metric is not None:
        signals = [signal for signal in signals if signal[0] == metric]
        if not signals:
            raise NotFound(f"location {location!r} at site {site!r} has no °C readings of "
                           f"metric {metric!r}")  # fmt: skip
    if not signals:
        raise NotFound(f"location {location!r} at site {site!r} has no °C readings")
    if len(signals) > 1:
        names = ", ".join(f"{m} ({u})" for m, u in signals)
        raise SignalAmbiguous(f"location {location!r} has several temperature signals "
                              f"({names}): choose one with the metric parameter")  # fmt: skip
    return signals[0]
