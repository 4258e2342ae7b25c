"""Reports defined as data (``domain.reports``): stored per organisation, run as SQL built
from a closed catalogue, rendered as a table, CSV, XLSX and an SVG chart."""
