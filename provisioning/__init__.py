"""Enrolment, keys, and agent and broker configuration (issue 6)."""
