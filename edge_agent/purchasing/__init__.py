"""Receiving against purchase orders at the site, and the labels printed for what came in."""
