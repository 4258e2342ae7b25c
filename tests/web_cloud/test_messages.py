"""Every text of the pages exists in both languages, every key a template names is in the
table, and the language, numbers, units and moments read as each language writes them."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from cloud.web.i18n import Speaker, choose_language
from cloud.web.messages import MESSAGES
from cloud.web.pages import TEMPLATES

_KEY = re.compile(r"""\bt\(\s*["']([a-z_.]+)["']""")


def test_every_message_has_english_and_chinese_with_the_same_placeholders() -> None:
    for key, (english, chinese) in MESSAGES.items():
        assert english.strip(), key
        assert chinese.strip(), key
        assert set(re.findall(r"{(\w+)}", english)) == set(re.findall(r"{(\w+)}", chinese)), key


def test_every_key_a_template_or_route_names_is_in_the_table() -> None:
    sources = [*TEMPLATES.glob("*.html"), *TEMPLATES.parent.glob("*.py")]
    named = {key for path in sources for key in _KEY.findall(path.read_text(encoding="utf-8"))}
    assert len(named) > 100
    # a key ending in "." is a prefix completed on the page (board. ~ lot.status): its
    # completions are listed here, from the values the page can give it
    prefixes = {key for key in named if key.endswith(".")}
    assert prefixes == {"board.", "var.", "cold.status.", "board.outcome.", "board.result."}
    completed = {"board.expired", "board.near_expiry", "cold.status.open", "cold.status.closed"}
    completed |= {"board.result.pass", "board.result.fail"}  # FoodSafetyRecorded.result
    completed |= {f"board.outcome.{o}" for o in ("cooling", "cooled", "missed")}  # CoolingRecord
    columns = [
        "opening",
        "received",
        "used",
        "thaw_loss",
        "trim_loss",
        "waste",
        "closing",
        "unexplained",
    ]
    completed |= {f"var.{key}" for key in columns}
    assert (named - prefixes) | completed <= MESSAGES.keys()


@pytest.mark.parametrize(
    ("cookie", "header", "chosen"),
    [
        (None, "zh-CN,zh;q=0.9,en;q=0.8", "zh-CN"),
        (None, "en-US,en;q=0.9,zh-CN;q=0.8", "en"),
        (None, "fr-FR, zh-TW;q=0.5, en;q=0.4", "zh-CN"),
        (None, "fr-FR", "en"),
        (None, None, "en"),
        (None, "en;q=0.1, zh;q=0.9", "zh-CN"),
        (None, "zh;q=oops, en", "en"),
        ("en", "zh-CN", "en"),
        ("zh-CN", "en", "zh-CN"),
        ("klingon", "zh-CN", "zh-CN"),
    ],
)
def test_the_language_is_the_switch_else_the_best_accepted(
    cookie: str | None, header: str | None, chosen: str
) -> None:
    assert choose_language(cookie, header) == chosen


def test_numbers_units_and_moments_in_each_language() -> None:
    english = Speaker("en", ZoneInfo("Asia/Shanghai"))
    chinese = Speaker("zh-CN", ZoneInfo("Asia/Shanghai"))
    moment = datetime(2026, 11, 25, 23, 30, tzinfo=UTC)
    assert english.moment(moment) == "26 Nov 2026 07:30"
    assert chinese.moment(moment) == "2026年11月26日 07:30"
    assert english.quantity(Decimal("12500.000"), "g") == "12,500 g"
    assert chinese.quantity("1234.5", "kg") == "1,234.5 千克"
    assert english.number(Decimal("0.125")) == "0.125"  # every digit the ledger holds
    assert english.celsius(Decimal("-18.46")) == "-18.5 °C"
    assert english.day(date(2026, 11, 5)) == "5 Nov 2026"
    assert chinese.day(date(2026, 11, 5)) == "2026年11月5日"
    assert english.duration(745_701) == "8 d 15 h"
    assert chinese.duration(125) == "2分钟"
    assert english.moment(None) == english.number(None) == "—"
