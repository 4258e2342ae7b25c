"""The ``edgestock`` command: one entry point for the cloud, the agent, simulators and the demo."""
