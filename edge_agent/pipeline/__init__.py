"""Turning observations into domain events."""
