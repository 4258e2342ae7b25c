"""What the PDA app's form becomes, without a browser: labels as scanners and cameras give
them (brackets, FNC1 as ASCII GS, AIM prefix, Digital Link, bare GTIN) read to the same lot;
the observation is the PDA node's, which ``read_scan`` reads; what is wrong is named. And
the screens' language choice, and the config section's refusals."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from domain.gs1 import Gs1Error
from edge_agent.config import load_agent_config
from edge_agent.kitchen.pda import known_actions, read_scan
from edge_agent.web.i18n import choose
from edge_agent.web.pda import actions
from edge_agent.web.pda_form import ScanForm, ScanRefused, observation, read_label
from edge_agent.yaml_config import ConfigError

AT = datetime(2026, 12, 4, 9, 30, tzinfo=UTC)
GTIN = "09501101530003"


@pytest.mark.parametrize(
    "typed",
    [
        f"(01){GTIN}(17)261231(3103)001500(10)LOT-7",
        f"01{GTIN}17261231310300150010LOT-7",
        f"]C101{GTIN}1726123110LOT-7\x1d3103001500",
        f"https://id.example.com/01/{GTIN}/10/LOT-7?17=261231&3103=001500",
    ],
)
def test_every_way_a_label_arrives_reads_the_same(typed: str) -> None:
    code = read_label(typed)
    assert code is not None
    assert (code.gtin, code.lot, code.expiry, code.net_weight_kg) == (
        GTIN,
        "LOT-7",
        date(2026, 12, 31),
        Decimal("1.500"),
    )


def test_a_bare_gtin_and_nothing_scanned() -> None:
    code = read_label("9501101530003")
    assert code is not None
    assert (code.gtin, code.lot) == (GTIN, None)
    assert read_label("  ") is None


@pytest.mark.parametrize(
    ("typed", "named"),
    [
        (f"(01){GTIN}(17)261399(10)X", "GS1 AI (17)"),
        ("(01)09501101530004(10)X", "GS1 AI (01)"),
        ("(01)123(10", "not a GS1 label text"),
    ],
)
def test_a_bad_label_names_its_ai(typed: str, named: str) -> None:
    with pytest.raises(Gs1Error, match=named.replace("(", r"\(").replace(")", r"\)")):
        read_label(typed)


def form(**given: str) -> ScanForm:
    fields = {"action": "receive", "item": "onion", "location": "walk-in", "operator": "wu"}
    return ScanForm(**(fields | given))


def test_the_observation_is_what_a_pda_node_sends() -> None:
    obs = observation(form(code=f"(01){GTIN}(17)261231(3103)001500(10)L1"), "pda-web", AT)
    scan = read_scan(obs)
    assert (scan.action, scan.item, scan.lot, scan.location, scan.operator) == (
        "receive",
        "onion",
        "L1",
        "walk-in",
        "wu",
    )
    assert (scan.expires, scan.gross.value, scan.tare.value) == (
        date(2026, 12, 31),
        Decimal("1.5"),
        0,
    )
    assert str(scan.gross.unit) == "kg"


def test_what_is_typed_wins_over_the_label() -> None:
    obs = observation(
        form(code="(10)L1(17)261231", lot="L1-B", expires="2026-12-20", weight="2,5", tare="0.1"),
        "pda-web",
        AT,
    )
    scan = read_scan(obs)
    assert (scan.lot, scan.expires, scan.net.value) == ("L1-B", date(2026, 12, 20), Decimal("2.4"))


def test_a_cooling_start_carries_the_temperature_and_probe() -> None:
    obs = observation(form(action="cool", code="(10)B3", temp="63.5", probe="probe-9"), "p", AT)
    scan = read_scan(obs)
    assert (scan.celsius, scan.probe) == (Decimal("63.5"), "probe-9")


@pytest.mark.parametrize(
    ("given", "named"),
    [
        ({"code": ""}, "lot: missing"),
        ({"code": "(10)L1", "operator": " "}, "operator: missing"),
        ({"code": "(10)L1", "weight": "heavy"}, "weight: 'heavy' is not a number"),
        ({"code": "(10)L1", "temp": "NaN"}, "temp: 'NaN' is not a number"),
        ({"code": "(17)991399"}, "code: GS1 AI (17)"),
    ],
)
def test_what_is_wrong_is_named(given: dict[str, str], named: str) -> None:
    with pytest.raises(ScanRefused) as refused:
        observation(form(**given), "pda-web", AT)
    assert named in str(refused.value)


def test_the_app_offers_every_action_the_kitchen_takes() -> None:
    assert sorted(actions()) == sorted(known_actions())
    assert actions()[:3] == ["receive", "thaw:refrigerated", "thaw:running_water"]


@pytest.mark.parametrize(
    ("query", "cookie", "accept", "chosen"),
    [
        (None, None, "zh-CN,zh;q=0.9,en;q=0.8", "zh-CN"),
        (None, None, "en-GB,en;q=0.9", "en"),
        (None, None, None, "en"),
        (None, "zh-CN", "en-GB", "zh-CN"),
        ("en", "zh-CN", "zh-TW", "en"),
        ("xx", None, "fr-FR, zh;q=0.5", "zh-CN"),
    ],
)
def test_the_language_is_the_persons_choice_then_the_browsers(
    query: str | None, cookie: str | None, accept: str | None, chosen: str
) -> None:
    assert choose(query, cookie, accept) == chosen


def test_a_bad_web_section_is_refused_naming_the_field(tmp_path: Path) -> None:
    path = tmp_path / "agent.yaml"
    base = 'agent: {id: a1, site: s1}\ncloud: {url: "http://127.0.0.1:9"}\n'
    path.write_text(base + "web: {port: 70000}\n")
    with pytest.raises(ConfigError, match=r"web\.port"):
        load_agent_config(path)
    path.write_text(base + "web: {hots: 0.0.0.0}\n")
    with pytest.raises(ConfigError, match=r"web\.hots"):
        load_agent_config(path)
    path.write_text(base + "web: {}\n")
    web = load_agent_config(path).web
    assert web is not None
    assert (web.host, web.port, web.pda_device) == ("127.0.0.1", 8080, "pda-web")
