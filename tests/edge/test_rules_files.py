"""Rule files as the agent loads them: each mistake names the file, the line and the field;
the files shipped in firmware_configs/rules load; an agent config names its rule files."""

from __future__ import annotations

from pathlib import Path

import pytest

from edge_agent.config import load_agent_config
from edge_agent.config.rules import RULES_DIR, rule_file
from edge_agent.pipeline.rules import load_rules
from edge_agent.yaml_config import ConfigError

GOOD = """\
rules:
  - id: shelf
    when: {every: PT5M}
    if:
      all:
        - {field: lot.remaining_shelf_life, op: lt, value: P1D}
        - {field: lot.qty, op: ge, value: 2.5}
    targets: [kitchen_manager]
    actions:
      - notify: {message: "{lot.item} {lot.id}"}
      - block_lot:
          reason: short
          if: {field: lot.blocked, op: eq, value: false}
"""


@pytest.mark.parametrize(
    ("good", "bad", "says"),
    [
        (
            "{every: PT5M}",
            "{event: lot.teleported}",
            "3: rules[0].when.event: Value error, unknown event type 'lot.teleported'",
        ),
        ("{every: PT5M}", "{hourly: true}", "3: rules[0].when: when is {event: <event type>}"),
        (
            "field: lot.qty",
            "field: lot.qtty",
            "7: rules[0].if.all[1].field: unknown field 'lot.qtty'",
        ),
        ("op: ge", "op: gte", "7: rules[0].if.all[1].op: Input should be 'eq'"),
        ("value: 2.5", "value: many", "7: rules[0].if.all[1].value: lot.qty: expected a number"),
        (
            "value: P1D",
            "value: tomorrow",
            "6: rules[0].if.all[0].value: lot.remaining_shelf_life: expected a duration",
        ),
        ("[kitchen_manager]", "[kitchen_boss]", "8: rules[0].targets[0]: Input should be"),
        ("- block_lot:", "- hold_lot:", "11: rules[0].actions[1]: an action is one of notify"),
        (
            "{lot.item}",
            "{lot.itm}",
            "10: rules[0].actions[0].notify.message: unknown field {lot.itm}",
        ),
        (
            "op: eq, value: false",
            "op: lt, value: false",
            "13: rules[0].actions[1].block_lot.if.op: lt does not apply to bool field lot.blocked",
        ),
    ],
)
def test_a_mistake_names_the_file_line_and_field(
    tmp_path: Path, good: str, bad: str, says: str
) -> None:
    assert good in GOOD
    path = tmp_path / "site.yaml"
    path.write_text(GOOD.replace(good, bad, 1))
    with pytest.raises(ConfigError) as error:
        load_rules([path])
    assert f"{path}:{says}" in str(error.value)


def test_the_same_rule_id_in_two_files_is_refused(tmp_path: Path) -> None:
    first, second = tmp_path / "a.yaml", tmp_path / "b.yaml"
    first.write_text(GOOD)
    second.write_text(GOOD)
    with pytest.raises(ConfigError, match=r"b\.yaml: rule 'shelf' is already defined in .*a\.yaml"):
        load_rules([first, second])


def test_the_shipped_rule_files_load() -> None:
    names = sorted(path.stem for path in RULES_DIR.glob("*.yaml"))
    assert names == ["coldchain", "kitchen"]
    ids = [rule.id for rule in load_rules([rule_file(name, RULES_DIR) for name in names])]
    assert ids == ["excursion-holds-room-stock", "shelf-life-under-a-day", "expired-lot-discard"]


CONFIG = """\
agent: {id: a1, site: s1}
cloud: {url: "http://127.0.0.1:8000"}
"""


def test_an_agent_follows_the_cold_chain_rules_unless_its_config_names_others(
    tmp_path: Path,
) -> None:
    path = tmp_path / "agent.yaml"
    path.write_text(CONFIG)
    assert load_agent_config(path).rules == [RULES_DIR / "coldchain.yaml"]
    path.write_text(CONFIG + "rules: [kitchen, local/site.yaml]\nroles: {chef: [li, ana]}\n")
    config = load_agent_config(path)
    assert config.rules == [RULES_DIR / "kitchen.yaml", tmp_path / "local/site.yaml"]
    assert [str(role) for role in config.roles] == ["chef"]


def test_an_unknown_role_and_the_old_reactions_section_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "agent.yaml"
    path.write_text(CONFIG + "roles: {head_chef: [li]}\n")
    with pytest.raises(ConfigError, match=r"agent\.yaml:3: roles\.head_chef"):
        load_agent_config(path)
    path.write_text(CONFIG + "reactions: {safety_stock_factor: 1.5}\n")
    with pytest.raises(ConfigError, match="reactions: is now a rule file"):
        load_agent_config(path)
