"""Master data kept in the cloud, one versioned document per site."""
