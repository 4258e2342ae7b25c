"""The down-channel: the cloud's signed, numbered documents for each site, pulled by its agents."""
