"""Pure business rules shared by the edge agent and the cloud: no I/O lives here."""
