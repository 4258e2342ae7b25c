"""The pages' languages (English, 简体中文) and how numbers, moments and units read in each.

The language is the ``lang`` cookie a person chose with the switch, else the best of the
request's ``Accept-Language``, else English. Times are shown in the site's zone, named on
the page. Numbers keep every digit the ledger holds (a quantity is evidence, not an
estimate); only grouping differs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from cloud.web.messages import MESSAGES

LANGUAGES = ("en", "zh-CN")
"""What the pages speak; the first is the default."""

LANGUAGE_NAMES = {"en": "English", "zh-CN": "简体中文"}

_UNITS = {"zh-CN": {"g": "克", "kg": "千克", "ml": "毫升", "l": "升", "each": "个"}}


def choose_language(cookie: str | None, accept_language: str | None) -> str:
    """The chosen language: the cookie's if it is one we speak, else Accept-Language's."""
    if cookie in LANGUAGES:
        return cookie
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                continue
        ranked.append((-weight, index, tag.strip().lower()))
    for _, _, tag in sorted(ranked):
        if tag.startswith("zh"):
            return "zh-CN"
        if tag.startswith("en"):
            return "en"
    return LANGUAGES[0]


@dataclass(frozen=True, slots=True)
class Speaker:
    """What a page needs to speak one language in one zone."""

    language: str
    zone: ZoneInfo
    names: Mapping[str, str] = field(default_factory=dict)
    """Item id → its name in this language (a site page's, from its master data)."""

    def t(self, key: str, **values: object) -> str:
        """The message ``key`` in this language, with ``values`` put in."""
        entry = MESSAGES[key]
        text = entry[1] if self.language == "zh-CN" else entry[0]
        return text.format(**values) if values else text

    def item(self, item: str) -> str:
        """The item's name in this language, its id when the site's master data has none."""
        return self.names.get(item, item)

    def number(self, value: Decimal | int | str | None) -> str:
        """``value`` with its digits grouped by thousands, every decimal kept."""
        if value is None:
            return "—"
        number = Decimal(str(value))
        if number == number.to_integral_value() and "E" not in str(number):
            number = number.quantize(Decimal(1))
        return f"{number:,}"

    def quantity(self, value: Decimal | int | str, unit: str) -> str:
        return f"{self.number(value)} {self.unit(unit)}"

    def unit(self, unit: str) -> str:
        return _UNITS.get(self.language, {}).get(unit, unit)

    def celsius(self, value: Decimal | float | str | None) -> str:
        if value is None:
            return "—"
        return f"{Decimal(str(value)):.1f} °C"

    def moment(self, value: datetime | None) -> str:
        """A moment in the site's zone: ``25 Nov 2026 08:00`` or ``2026年11月25日 08:00``."""
        if value is None:
            return "—"
        local = value.astimezone(self.zone)
        if self.language == "zh-CN":
            return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"
        return f"{local.day} {local:%b %Y %H:%M}"

    def duration(self, seconds: float | None) -> str:
        """A span people read at a glance: ``3 d 4 h``, ``12 min``, ``45 s`` (or 天/小时…)."""
        if seconds is None:
            return "—"
        whole = int(seconds)
        days, rest = divmod(whole, 86_400)
        hours, rest = divmod(rest, 3_600)
        minutes, secs = divmod(rest, 60)
        zh = self.language == "zh-CN"
        if days:
            return f"{days}天{hours}小时" if zh else f"{days} d {hours} h"
        if hours:
            return f"{hours}小时{minutes}分钟" if zh else f"{hours} h {minutes} min"
        if minutes:
            return f"{minutes}分钟" if zh else f"{minutes} min"
        return f"{secs}秒" if zh else f"{secs} s"

    def day(self, value: date | None) -> str:
        if value is None:
            return "—"
        if self.language == "zh-CN":
            return f"{value.year}年{value.month}月{value.day}日"
        return f"{value.day} {value:%b %Y}"
