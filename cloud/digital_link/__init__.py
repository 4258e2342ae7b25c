"""GS1 Digital Link: the URI parser, the resolver mounted at the root, and the consumer page."""
