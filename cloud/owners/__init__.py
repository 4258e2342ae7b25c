"""Who owns a site's stock in the cloud: logical warehouses in the site's master data, the
rule that a location changes owner only while empty, and stock by legal entity."""
