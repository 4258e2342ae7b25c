"""Replenishment: cleaned demand, forecasts with quantiles, dynamic safety stock and the
reasons a suggestion changed. Pure functions over values; the cloud reads events and calls
them, the simulators feed them generated series."""
