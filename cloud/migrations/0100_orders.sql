-- Orders (issue 15): order lifecycles as data, customers, orders and their journal.
-- The cloud is where orders are taken (no agent takes them), so it keeps them in its own
-- tables rather than in an agent's chain: the journal is append-only (updates and deletes
-- refused), numbered gaplessly per organisation and hash-chained like an agent's events, so
-- the audit trail of every order, payment, note, approval and transition can be checked.

-- One lifecycle (domain.lifecycles.Lifecycle, as JSON) per order type of an organisation.
CREATE TABLE order_lifecycles (
    org_id     bigint      NOT NULL REFERENCES org_nodes (id),
    order_type text        NOT NULL CHECK (order_type ~ '^[a-z][a-z0-9_-]{0,39}$'),
    definition jsonb       NOT NULL,
    updated_by text        NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, order_type)
);

CREATE TABLE customers (
    org_id     bigint      NOT NULL REFERENCES org_nodes (id),
    customer   text        NOT NULL CHECK (length(customer) BETWEEN 1 AND 200),
    name       text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, customer)
);

-- An order keeps the lifecycle it was opened under: a later edit of the type's lifecycle
-- does not strand an order in a state that no longer exists.
CREATE TABLE orders (
    site          text        NOT NULL REFERENCES org_nodes (site),
    order_id      text        NOT NULL CHECK (length(order_id) BETWEEN 1 AND 200),
    org_id        bigint      NOT NULL,
    customer      text        NOT NULL,
    order_type    text        NOT NULL,
    lifecycle     jsonb       NOT NULL,
    state         text        NOT NULL,
    total         numeric     NOT NULL CHECK (total >= 0),
    currency      text        NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    pending       text,       -- a transition waiting for its approvals
    pending_steps text[],
    pending_by    text,
    created_by    text        NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (site, order_id),
    FOREIGN KEY (org_id, customer) REFERENCES customers (org_id, customer),
    CHECK ((pending IS NULL) = (pending_steps IS NULL))
);

CREATE INDEX orders_customer ON orders (org_id, customer);

-- Where each organisation's journal stands: locked by every append, so numbers are gapless.
CREATE TABLE order_journal_heads (
    org_id bigint NOT NULL PRIMARY KEY REFERENCES org_nodes (id),
    seq    bigint NOT NULL,
    hash   text   NOT NULL
);

CREATE TABLE order_journal (
    org_id   bigint      NOT NULL REFERENCES org_nodes (id),
    seq      bigint      NOT NULL CHECK (seq >= 1),
    kind     text        NOT NULL CHECK (kind ~ '^[a-z]+(\.[a-z_]+)+$'),
    customer text        NOT NULL,
    site     text,
    order_id text,
    data     jsonb       NOT NULL,
    by_whom  text        NOT NULL,
    at       timestamptz NOT NULL,
    prev     text        NOT NULL,
    hash     text        NOT NULL,
    PRIMARY KEY (org_id, seq)
);

CREATE INDEX order_journal_order ON order_journal (site, order_id, seq);
CREATE INDEX order_journal_customer ON order_journal (org_id, customer, seq);

CREATE FUNCTION order_journal_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'order_journal is append-only: record a correction instead';
END
$$;

CREATE TRIGGER order_journal_append_only BEFORE UPDATE OR DELETE ON order_journal
    FOR EACH ROW EXECUTE FUNCTION order_journal_is_append_only();

-- Read only through the owner's pool, after the route's permission check at the site; the
-- tenant role gets nothing here.
