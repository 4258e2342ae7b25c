-- Who owns a site's stock is its master data (logical warehouses and the site's legal entity,
-- read by the agents and by view stock_by_owner, edited through /v1/sites/{site}/warehouses).
-- Migration 0006 also modelled virtual warehouses in tables that nothing ever wrote or read;
-- two sources of one truth would drift, so they go.
DROP TABLE locations;
DROP TABLE warehouses;
