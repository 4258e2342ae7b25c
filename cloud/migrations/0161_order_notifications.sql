-- Order lifecycle actions executed (issue 15): a transition's 'notify' action writes a
-- notification for the holders of a role at the order's site; the web app lists them. One
-- per action of a transition (its journal entry and the action's place in the lifecycle),
-- so a transition never notifies twice.

CREATE TABLE order_notifications (
    id             bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id         bigint      NOT NULL,
    site           text        NOT NULL REFERENCES org_nodes (site),
    role           text        NOT NULL,  -- who it is for: the holders of this role there
    message        text        NOT NULL CHECK (length(message) BETWEEN 1 AND 1000),
    order_id       text        NOT NULL,
    customer       text        NOT NULL,
    transition_seq bigint      NOT NULL,  -- the order.transitioned entry of order_journal
    action_index   integer     NOT NULL CHECK (action_index >= 0),
    created_by     text        NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (org_id, transition_seq, action_index)
);

CREATE INDEX order_notifications_by_site ON order_notifications (site, role, id DESC);
