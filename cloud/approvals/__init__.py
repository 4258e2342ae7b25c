"""Approvals: the steps the org settings name for an action, who may approve one, and
time-bounded delegation of an approving role."""
