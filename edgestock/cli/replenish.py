"""``edgestock replenish evaluate``: the accuracy table, the explanation gate and the policy
comparison of docs/forecasting.md, reproduced from generated data (no download).
``edgestock replenish fit``: each site's global forecasting model, fitted and kept."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from edgestock.cli.common import DatabaseUrl, require_database

if TYPE_CHECKING:
    from cloud.replenishment.fitting import FitOutcome

replenish_app = typer.Typer(
    help="Replenishment: forecasts, safety stock and their explanations.", no_args_is_help=True
)

MEASURES = ("safety_stock", "reorder_point", "order_qty")
VALIDATION_ORIGINS = 7
"""Weekly origins the served method is chosen on, before the test origins."""


@replenish_app.command("evaluate")
def evaluate(
    quick: Annotated[
        bool, typer.Option(help="A small run (a minute): fewer items, days and cases.")
    ] = False,
    svg: Annotated[
        Path | None, typer.Option(help="Write the policy comparison chart (SVG) here.")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the generated data.")] = 1,
    only: Annotated[
        str | None, typer.Option(help="One part only: accuracy, gate or policies.")
    ] = None,
) -> None:
    """Print, as Markdown: forecast accuracy by demand group against every baseline, the
    explanation gate, and static par vs min/max vs EdgeStock over a restaurant group."""
    from edgestock.demos.replenish import comparison_svg, comparison_table
    from simulators.replenishment import group_of_restaurants

    items, sites, days, cases = (16, 2, 150, 100) if quick else (60, 5, 180, 250)
    if only not in (None, "accuracy", "gate", "policies"):
        raise typer.BadParameter(
            f"{only!r} is not one of accuracy, gate, policies", param_hint="--only"
        )
    started = time.perf_counter()
    if only in (None, "accuracy"):
        typer.echo(_accuracy(items, sites, days, seed))
    if only in (None, "gate"):
        typer.echo(_gate(cases, seed))
    if only not in (None, "policies"):
        return
    outcomes = group_of_restaurants(days=days, sites=sites, items=items, seed=seed)
    typer.echo(f"### Policies: {days} days, {sites} sites, {items} items (seed {seed})\n")
    typer.echo(comparison_table(outcomes) + "\n")
    if svg is not None:
        svg.write_text(comparison_svg(outcomes), encoding="utf-8")
        typer.echo(f"chart: {svg}\n")
    typer.echo(f"evaluated in {time.perf_counter() - started:.0f} s")


def _accuracy(items: int, sites: int, days: int, seed: int) -> str:
    from cloud.replenishment.evaluation import evaluate as score
    from domain.replenishment.methods import CHOSEN_METHODS, CLOUD_METHODS
    from simulators.demand import catalog, generate

    series = generate(catalog(items, seed), sites, days, date(2025, 11, 3), seed + 1)
    test = list(range(days - 28, days - 6, 7))
    validation = list(range(test[0] - 7 * VALIDATION_ORIGINS, test[0], 7))
    found = score(series, validation=validation, test=test)
    methods = sorted({m for g in found.test.values() for m in g})
    lines = [
        f"### Accuracy: {len(series)} series, {days} days, horizon 7, "
        f"validation origins {validation}, test origins {test}\n",
        "MASE / scaled pinball loss (quantiles 0.1, 0.5, 0.9, 0.95) on the test origins:\n",
        "| method | " + " | ".join(f"{g} ({n})" for g, n in sorted(found.series.items())) + " |",
        "|---|" + "---:|" * len(found.series),
    ]
    for m in methods:
        cells = [found.test[g].get(m) for g in sorted(found.series)]
        lines.append(
            f"| {m} | " + " | ".join(f"{c[0]:.3f} / {c[1]:.3f}" if c else "–" for c in cells) + " |"
        )
    lines += [
        "",
        "| group | served (chosen on validation) | its test MASE | best plain baseline "
        "(in hindsight) | its test MASE | verdict | lowest validation MASE of all |",
        "|---|---|---:|---|---:|---|---|",
    ]
    for group, (chosen, mase, best, base) in sorted(found.verdicts().items()):
        verdict = (
            f"beats it by {1 - mase / base:.1%}"
            if mase < base
            else f"worse by {mase / base - 1:.1%}"
        )
        if chosen == best:
            verdict = "is it"
        lines.append(
            f"| {group} | {chosen} | {mase:.3f} | {best} | {base:.3f} | {verdict} "
            f"| {found.chosen[group]} |"
        )
    for name, table, choice in (
        ("CLOUD_METHODS", CLOUD_METHODS, found.served),
        ("CHOSEN_METHODS", CHOSEN_METHODS, found.statistical),
    ):
        recorded = {g.value: m for g, m in table.items()}
        lines.append(
            f"\nChosen {'' if name == 'CLOUD_METHODS' else 'statistical '}methods {choice} "
            + ("equal" if recorded == choice else "DIFFER from")
            + f" domain/replenishment/methods.py {name}"
        )
    return "\n".join(lines) + "\n"


@replenish_app.command("fit")
def fit(
    database_url: DatabaseUrl = None,
    site: Annotated[
        list[str] | None, typer.Option(help="Fit this site (repeat for more; default: every site).")
    ] = None,
    today: Annotated[
        str | None, typer.Option(help="Learn from demand up to this day (default: yesterday, UTC).")
    ] = None,
    history_days: Annotated[
        int, typer.Option(min=42, max=730, help="Days of demand each fit learns from.")
    ] = 182,
    force: Annotated[bool, typer.Option(help="Fit even when the kept model is fresh.")] = False,
) -> None:
    """Fit each site's global forecasting model and keep it for the replenishment API.

    A kept model is refitted when it is a day old or the site's demand history grew by 10 %;
    run it daily (a timer or cron job). Until a site has one, the API plans its items with
    the statistical methods and says so."""
    url = require_database(database_url)
    try:
        day = date.fromisoformat(today) if today else None
    except ValueError:
        raise typer.BadParameter(
            f"{today!r} is not a day (YYYY-MM-DD)", param_hint="--today"
        ) from None
    for outcome in asyncio.run(_fit(url, site or [], day, history_days, force)):
        done = f"fitted in {outcome.seconds:.1f} s" if outcome.fitted else "kept"
        typer.echo(
            f"{outcome.site}: {done} ({outcome.reason}; {outcome.series} items, "
            f"{outcome.item_days} item-days)"
        )


async def _fit(
    url: str, sites: list[str], today: date | None, history_days: int, force: bool
) -> list[FitOutcome]:
    from psycopg_pool import AsyncConnectionPool

    from cloud.replenishment.fitting import fit_site

    now = datetime.now(UTC)
    day = today or now.date() - timedelta(days=1)
    async with AsyncConnectionPool(url, min_size=1, max_size=2, open=False) as pool:
        if not sites:
            async with pool.connection() as conn:
                cur = await conn.execute(
                    "SELECT site FROM org_nodes WHERE site IS NOT NULL ORDER BY site"
                )
                sites = [str(row[0]) for row in await cur.fetchall()]
        return [
            await fit_site(pool, s, today=day, now=now, history_days=history_days, force=force)
            for s in sites
        ]


def _gate(count: int, seed: int) -> str:
    from domain.replenishment.plan import explain_change
    from simulators.explanation_cases import FACTORS_OF, INJECTIONS, cases

    hits: dict[str, Counter[str]] = {m: Counter() for m in MEASURES}
    total: Counter[str] = Counter()
    for case in cases(count, seed):
        total[case.injected] += 1
        explained = explain_change(case.before, case.after)
        for measure in MEASURES:
            top = explained[measure][:1]
            hits[measure][case.injected] += bool(top) and top[0].factor in FACTORS_OF[case.injected]
    lines = [
        f"### Explanations: {count} generated cases, one injected cause each (seed {seed})\n",
        "Share of cases whose top-ranked cause is the injected one:\n",
        "| injected | " + " | ".join(MEASURES) + " |",
        "|---|" + "---:|" * len(MEASURES),
    ]
    for injected in INJECTIONS:
        lines.append(
            f"| {injected} | "
            + " | ".join(f"{hits[m][injected] / total[injected]:.0%}" for m in MEASURES)
            + " |"
        )
    lines.append(
        "| **all** | "
        + " | ".join(f"**{sum(hits[m].values()) / count:.1%}**" for m in MEASURES)
        + " |"
    )
    return "\n".join(lines) + "\n"
