"""Transfers at the edge: what the site is to ship and to receive (the cloud's transfer
documents, kept in the down-channel's inbox) and the decisions that ship and receive them."""
