"""The rule fields ``lot.days_to_expiry`` and ``lot.remaining_shelf_life`` count the site's
local days (issue 18 item 3): a lot keeps to the end of its expiry day at the site, not in
UTC. Shanghai (UTC+8) at 07:00 on the 28th is 23:00 UTC on the 27th: a lot expiring the
27th has expired there; New York (UTC−5) at 20:00 on the 27th is 01:00 UTC on the 28th: a
lot expiring the 27th still has four hours."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from domain.masterdata import MasterData
from domain.rules.engine import ClockState, RuleEngine
from domain.rules.facts import lot_facts
from tests.domain.rules.builders import Site, lot, rules

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")
EXPIRES = date(2026, 11, 27)


def test_days_to_expiry_are_the_site_s() -> None:
    stock = lot("rice", "R1", "500", EXPIRES, at="pass")
    morning = datetime(2026, 11, 28, 7, tzinfo=SHANGHAI)
    facts = lot_facts(stock, False, morning, SHANGHAI)
    assert facts["lot.days_to_expiry"] == -1
    assert facts["lot.remaining_shelf_life"] == timedelta(hours=-7)
    evening = datetime(2026, 11, 27, 20, tzinfo=NEW_YORK)
    facts = lot_facts(stock, False, evening, NEW_YORK)
    assert facts["lot.days_to_expiry"] == 0
    assert facts["lot.remaining_shelf_life"] == timedelta(hours=4)
    # the same instant judged in UTC, as before: a day later, and a lot already gone
    assert lot_facts(stock, False, evening, UTC)["lot.days_to_expiry"] == -1


def test_a_clock_rule_blocks_at_the_site_s_midnight() -> None:
    book = rules(
        """
        rules:
          - id: expired
            when: {every: PT5M}
            if: {field: lot.days_to_expiry, op: lt, value: 0}
            actions:
              - block_lot: {reason: "expired {lot.expires_on}"}
        """
    )
    site = Site(lots=[lot("rice", "R1", "500", EXPIRES, at="pass")])
    utc_midnight = datetime(2026, 11, 28, 0, 30, tzinfo=UTC)  # 08:30 in Shanghai, 19:30 NY
    shanghai = RuleEngine(book, MasterData(), zone=SHANGHAI)
    new_york = RuleEngine(book, MasterData(), zone=NEW_YORK)
    drafts, _ = shanghai.due(utc_midnight, site, ClockState())
    assert [d.type for d in drafts] == ["lot.blocked"]
    drafts, _ = new_york.due(utc_midnight, site, ClockState())
    assert drafts == []
