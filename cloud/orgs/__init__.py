"""Organisations: a tree of nodes (groups, brands, plants, sites…), their settings,
warehouses, locations and cost prices."""
