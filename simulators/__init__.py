"""Device simulators, one per device kind, speaking the real protocol to the agent."""
