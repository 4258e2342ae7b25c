"""``edgestock demo --scenario replenish``: a short run of the replenishment simulator (a
restaurant group, three policies) and three purchase suggestions with their causes.

In-process and offline: the story is the arithmetic of replenishment, so it needs no
database, agent or bus. The comparison table and chart renderers here are also what
``edgestock replenish evaluate`` writes into docs/forecasting.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from domain.replenishment.explain import Cause
from domain.replenishment.plan import ItemPlan, explain_change
from edgestock.demos.console import say
from simulators.explanation_cases import case
from simulators.replenishment import POLICIES, Outcome, group_of_restaurants

STORIES = (
    ("supplier", 3, "chicken-thigh", "Dongguan Poultry"),
    ("demand", 5, "jasmine-rice", "Guangzhou Grain"),
    ("excursion", 2, "salmon-fillet", "Xiamen Seafood"),
)
"""The injected cause, seed, item and supplier of each suggestion shown."""


@dataclass(slots=True)
class ReplenishDemo:
    outcomes: dict[str, Outcome] = field(default_factory=dict)
    suggestions: list[tuple[str, ItemPlan, list[Cause]]] = field(default_factory=list)

    def missing(self) -> list[str]:
        gaps = [f"no outcome for {p}" for p in POLICIES if p not in self.outcomes]
        if len(self.suggestions) < len(STORIES):
            gaps.append(f"{len(self.suggestions)} explained suggestions of {len(STORIES)}")
        for injected, _, causes in self.suggestions:
            if not causes:
                gaps.append(f"the {injected} suggestion has no cause")
        return gaps


def comparison_table(outcomes: dict[str, Outcome]) -> str:
    """The policies side by side, as a Markdown table."""
    lines = [
        "| policy | stock-out days | fill rate | expired (value) | average stock value |",
        "|---|---:|---:|---:|---:|",
    ]
    for o in outcomes.values():
        share = o.stock_out_days / max(1, o.item_days)
        lines.append(
            f"| {o.policy} | {o.stock_out_days} ({share:.1%}) | {o.fill_rate:.1%} | "
            f"{o.expired_value:,.0f} | {o.average_stock_value:,.0f} |"
        )
    return "\n".join(lines)


def comparison_svg(outcomes: dict[str, Outcome]) -> str:
    """Three bar charts (stock-out days, expired value, average stock value), one bar per
    policy, as a standalone SVG."""
    metrics = [
        ("stock-out days", lambda o: float(o.stock_out_days)),
        ("expired (value)", lambda o: o.expired_value),
        ("average stock value", lambda o: o.average_stock_value),
    ]
    colours = ("#9e9e9e", "#f0a030", "#2a7ab0", "#7fb8de")
    width, height, panel = 720, 270, 240
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'font-family="sans-serif" font-size="11">'
    ]
    for m, (title, value) in enumerate(metrics):
        x0 = m * panel + 20
        top = max(value(o) for o in outcomes.values()) or 1.0
        parts.append(f'<text x="{x0}" y="16" font-weight="bold">{title}</text>')
        for i, o in enumerate(outcomes.values()):
            bar = 170 * value(o) / top
            x = x0 + i * 52
            parts.append(
                f'<rect x="{x}" y="{210 - bar:.1f}" width="44" height="{bar:.1f}" '
                f'fill="{colours[i % len(colours)]}"/>'
                f'<text x="{x}" y="{205 - bar:.1f}" font-size="9">{value(o):,.0f}</text>'
            )
    for i, o in enumerate(outcomes.values()):  # one legend: the names are too long per bar
        x = 20 + i * 175
        parts.append(
            f'<rect x="{x}" y="236" width="12" height="12" fill="{colours[i % len(colours)]}"/>'
            f'<text x="{x + 16}" y="246">{o.policy}</text>'
        )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def explained_suggestions() -> list[tuple[str, ItemPlan, list[Cause]]]:
    """Three suggestions whose plan changed for one known reason each, with their causes."""
    found = []
    for injected, seed, item, supplier in STORIES:
        story = case(injected, seed, item, supplier)
        causes = explain_change(story.before, story.after)["reorder_point"]
        found.append((injected, story.after, causes))
    return found


def suggestion_text(plan: ItemPlan, causes: list[Cause]) -> str:
    """A suggestion as a buyer reads it: what to order, the new levels, the top causes."""
    unit = plan.unit
    head = (
        f"{plan.item} at {plan.site}: order {plan.order.qty} {unit} from {plan.lead.supplier}"
        f" (safety stock {plan.safety_stock:.1f} {unit}, reorder point"
        f" {plan.reorder_point:.1f} {unit}; lead time from {plan.lead.source})"
    )
    lines = [head]
    for cause in causes[:3]:
        lines.append(f"    - {cause.en}")
        lines.append(f"      {cause.zh}")
    return "\n".join(lines)


def run_replenish_demo(days: int = 90, sites: int = 2, items: int = 16) -> ReplenishDemo:
    """The short version: ``days`` of ``items`` items at ``sites`` sites, then three
    explained suggestions; each printed as it is ready."""
    demo = ReplenishDemo()
    say(f"simulating {days} days of {items} items at {sites} sites under {len(POLICIES)} policies")
    demo.outcomes = group_of_restaurants(days=days, sites=sites, items=items)
    for line in comparison_table(demo.outcomes).splitlines():
        say(line)
    demo.suggestions = explained_suggestions()
    for number, (_, plan, causes) in enumerate(demo.suggestions, start=1):
        say(f"suggestion {number}: " + suggestion_text(plan, causes))
    return demo
