"""Genealogy: where a lot came from and where it went, through production and transfers."""
