"""Agent identity: enrolment codes, agents' keys, signed requests and chain audits (issue 6)."""
