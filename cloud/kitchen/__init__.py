"""Kitchen views in the cloud, computed by the same domain rules the edge runs."""
