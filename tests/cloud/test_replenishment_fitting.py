"""When a site's global model is fitted again: a day old, or its demand history grew by 10 %."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cloud.replenishment.fitting import refit_reason

FITTED = datetime(2026, 12, 4, 6, 0, tzinfo=UTC)


def test_a_site_without_a_model_is_fitted() -> None:
    assert refit_reason(None, FITTED, 100) == "no model kept yet"


def test_a_model_younger_than_a_day_is_kept_until_the_history_grows_by_a_tenth() -> None:
    later = FITTED + timedelta(hours=23, minutes=59)
    assert refit_reason((FITTED, 1000), later, 1000) == ""
    assert refit_reason((FITTED, 1000), later, 1099) == ""
    assert refit_reason((FITTED, 1000), later, 1100) == (
        "the demand history grew from 1000 to 1100 item-days"
    )


def test_a_model_a_day_old_is_fitted_again() -> None:
    assert refit_reason((FITTED, 1000), FITTED + timedelta(days=1), 1000) == (
        "the kept model was fitted 2026-12-04 06:00 UTC, a day ago or more"
    )


def test_a_site_that_had_no_demand_then_some_is_fitted() -> None:
    assert refit_reason((FITTED, 0), FITTED + timedelta(hours=1), 7).startswith("the demand")
