"""Transfers between sites in the cloud: orders and their approvals, where their lines
stand, and the documents a transfer between legal entities gives each side."""
