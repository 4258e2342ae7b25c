"""Tables of the edge store, as peewee models bound to one database.

The models are made per database (``bind_tables``) instead of at module level, so that two
stores can live in one process (tests, benchmarks) without sharing hidden state.
"""

from __future__ import annotations

from dataclasses import dataclass

import peewee as pw

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Tables:
    events: type[pw.Model]
    chain_head: type[pw.Model]
    sync_cursor: type[pw.Model]
    ledger: type[pw.Model]
    lots: type[pw.Model]
    latest_readings: type[pw.Model]
    quarantine: type[pw.Model]
    lot_holds: type[pw.Model]
    checkpoints: type[pw.Model]

    def all(self) -> list[type[pw.Model]]:
        return [getattr(self, name) for name in self.__dataclass_fields__]


def bind_tables(db: pw.Database) -> Tables:
    class Base(pw.Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Events(Base):
        """The append-only chain; ``body`` is the canonical JSON that is hashed and sent."""

        seq = pw.IntegerField(primary_key=True)
        id = pw.TextField(unique=True)
        type = pw.TextField()
        at = pw.TextField(index=True)
        body = pw.BlobField()

    class ChainHead(Base):
        """The last sealed link, kept even when retention has pruned the events."""

        id = pw.IntegerField(primary_key=True, default=1)
        seq = pw.IntegerField(default=0)
        hash = pw.TextField()

    class SyncCursor(Base):
        """How far the cloud has acknowledged, and the last refusal it gave."""

        id = pw.IntegerField(primary_key=True, default=1)
        acked_seq = pw.IntegerField(default=0)
        acked_at = pw.TextField(null=True)
        last_error = pw.TextField(null=True)

    class Ledger(Base):
        item = pw.TextField()
        lot = pw.TextField()
        location = pw.TextField()
        qty = pw.TextField()  # exact decimal, in the base unit
        unit = pw.TextField()
        updated_seq = pw.IntegerField()

        class Meta:
            primary_key = pw.CompositeKey("item", "lot", "location")

    class Lots(Base):
        """A lot is known by its item and code: two suppliers may both print ``L1``."""

        item = pw.TextField()
        lot = pw.TextField()
        expires_on = pw.DateField(null=True)
        received_seq = pw.IntegerField()

        class Meta:
            primary_key = pw.CompositeKey("item", "lot")

    class LatestReadings(Base):
        """The last value per device and metric: where a pipeline resumes after a restart."""

        device = pw.TextField()
        metric = pw.TextField()
        value = pw.TextField()
        unit = pw.TextField()
        at = pw.TextField()
        seq = pw.IntegerField()

        class Meta:
            primary_key = pw.CompositeKey("device", "metric")

    class Quarantine(Base):
        """Input that could not become an event, kept with the reason instead of dropped."""

        id = pw.AutoField()
        at = pw.TextField()
        source = pw.TextField()
        reason = pw.TextField()
        payload = pw.TextField()

    class LotHolds(Base):
        """Stock that may not be picked until someone releases it (``domain.holds``)."""

        item = pw.TextField()
        lot = pw.TextField()
        location = pw.TextField()
        reason = pw.TextField()
        cause = pw.TextField(null=True, index=True)
        seq = pw.IntegerField()

        class Meta:
            primary_key = pw.CompositeKey("item", "lot", "location")

    class Checkpoints(Base):
        """A pipeline's state, written in the transaction of the events it led to, so that
        after a crash the pipeline resumes exactly where its last events left it."""

        name = pw.TextField(primary_key=True)
        state = pw.BlobField()
        seq = pw.IntegerField()

    return Tables(
        Events,
        ChainHead,
        SyncCursor,
        Ledger,
        Lots,
        LatestReadings,
        Quarantine,
        LotHolds,
        Checkpoints,
    )
