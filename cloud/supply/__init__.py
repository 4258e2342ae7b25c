"""Supply across sites: what a site can promise (available to promise)."""
