"""Who is calling and what they may do: people, API keys, grants at org nodes, site scope."""
