-- The consumer page's cache (cloud/digital_link/lot_cache.py) forgets a lot when its recall
-- status may have changed (a recall issued or closed, a recall's hold sent, a hold on the lot
-- changed) or a document was attached to it. The payload is the lot code; PostgreSQL sends one notification per distinct
-- payload per transaction, at commit, so a batch of holds costs one per lot.
CREATE FUNCTION lot_status_ring() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'recalls' THEN
        PERFORM pg_notify('lot_status', NEW.lot);
        PERFORM pg_notify('lot_status', h.lot)
           FROM (SELECT DISTINCT lot FROM recall_holds WHERE recall = NEW.id) AS h;
    ELSE
        PERFORM pg_notify('lot_status', NEW.lot);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER recalls_lot_status AFTER INSERT OR UPDATE ON recalls
    FOR EACH ROW EXECUTE FUNCTION lot_status_ring();
CREATE TRIGGER recall_holds_lot_status AFTER INSERT ON recall_holds
    FOR EACH ROW EXECUTE FUNCTION lot_status_ring();
CREATE TRIGGER lot_holds_lot_status AFTER INSERT OR UPDATE ON lot_holds
    FOR EACH ROW EXECUTE FUNCTION lot_status_ring();
CREATE TRIGGER lot_documents_lot_status AFTER INSERT OR UPDATE ON lot_documents
    FOR EACH ROW EXECUTE FUNCTION lot_status_ring();
