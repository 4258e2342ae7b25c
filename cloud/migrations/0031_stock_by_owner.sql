-- Stock by owner (domain.owners.stock_by_owner): the ledger's balances summed per legal
-- entity, item, lot and unit. A location's owner is the owner of the logical warehouse that
-- holds it in the site's master data (document.warehouses), else the site's own legal entity
-- (document.owner), else the site itself, as the agent reads the same document. No owner is
-- written into the ledger: a location passes to another owner only while it is empty, so
-- its owner now is the owner of every posting at it (docs/stock.md, Owners).
-- Like site_readings (0012), the view runs with its owner's rights and shows the rows of
-- the transaction's sites only; security_barrier keeps a caller's conditions after it.
CREATE VIEW stock_by_owner WITH (security_barrier) AS
WITH owned AS (
    SELECT m.site, location #>> '{}' AS location, min(w ->> 'owner') AS owner
    FROM site_masterdata AS m,
         jsonb_array_elements(coalesce(m.document -> 'warehouses', '[]')) AS w,
         jsonb_array_elements(w -> 'locations') AS location
    WHERE w ->> 'site' = m.site
    GROUP BY m.site, location #>> '{}'
)
SELECT l.site,
       coalesce(o.owner, m.document ->> 'owner', l.site) AS owner,
       l.item, l.lot, l.unit, sum(l.qty) AS qty
FROM ledger AS l
LEFT JOIN owned AS o ON o.site = l.site AND o.location = l.location
LEFT JOIN site_masterdata AS m ON m.site = l.site
WHERE l.site = ANY (app_sites())
GROUP BY l.site, coalesce(o.owner, m.document ->> 'owner', l.site), l.item, l.lot, l.unit;

GRANT SELECT ON stock_by_owner TO edgestock_app;
