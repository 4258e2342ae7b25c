"""Cold chain in the cloud: hourly rollups with exact MKT, excursions with what they set off,
and the daily compliance report (JSON, CSV, SVG). Pure functions here; SQL in ``queries``."""
