-- A transfer closed in the cloud goes down as a signed 'transfer.close' document to the
-- sender and each receiver, in the transaction that closes it, so the receiving desk stops
-- offering it and the sending desk stops shipping it.
-- Numbered after 0199, which last rewrote this check: an earlier number would be undone by it.
ALTER TABLE downlink_documents DROP CONSTRAINT downlink_documents_kind_check;
ALTER TABLE downlink_documents ADD CONSTRAINT downlink_documents_kind_check
    CHECK (kind IN ('hold', 'masterdata', 'transfer.expect', 'transfer.ship', 'workorder',
                    'purchase.expect', 'stock.adjust', 'reservation', 'plan',
                    'transfer.close'));
