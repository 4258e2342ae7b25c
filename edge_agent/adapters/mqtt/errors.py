"""Errors of the MQTT adapter; each names the topic and the field concerned."""

from __future__ import annotations


class PayloadError(ValueError):
    """A message that cannot be read as its topic promises; ``str()`` is the quarantine
    reason: ``<topic>: <field>: <what is wrong>``."""

    def __init__(self, topic: str, field: str | None, message: str) -> None:
        self.topic = topic
        self.field = field
        where = f"{topic}: {field}" if field else topic
        super().__init__(f"{where}: {message}")


class LinkDown(Exception):
    """The broker could not be reached, or the connection to it was lost."""


class BrokerRefused(LinkDown):
    """The broker answered and said no (bad credentials, not authorised, bad client id)."""
