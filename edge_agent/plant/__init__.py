"""The plant at the edge: work orders from the down-channel, units built at the line."""
