-- A site's plan (each item's forecast for the days ahead) goes down as a signed 'plan'
-- document, which the agent keeps to make the day's prep list with the cloud away.
-- Numbered after 0190, which last rewrote this check: an earlier number would be undone by it.
ALTER TABLE downlink_documents DROP CONSTRAINT downlink_documents_kind_check;
ALTER TABLE downlink_documents ADD CONSTRAINT downlink_documents_kind_check
    CHECK (kind IN ('hold', 'masterdata', 'transfer.expect', 'transfer.ship', 'workorder',
                    'purchase.expect', 'stock.adjust', 'reservation', 'plan'));
