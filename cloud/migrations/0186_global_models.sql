-- The global forecasting model (issue 13): one LightGBM model per site, fitted across its
-- items by `edgestock replenish fit` at most once a day and kept here, serialised (LightGBM's
-- own text format, one booster for the mean and one per quantile), so that every stateless
-- API replica forecasts with the same fit and no request waits on one.
CREATE TABLE global_models (
    site         text        PRIMARY KEY REFERENCES org_nodes (site),
    fitted_at    timestamptz NOT NULL,
    as_of        date        NOT NULL,            -- the last day of demand it learned from
    history_days integer     NOT NULL CHECK (history_days > 0),
    series       integer     NOT NULL CHECK (series >= 0),
    item_days    integer     NOT NULL CHECK (item_days >= 0),  -- used item-days seen: growth refits
    fit_seconds  real        NOT NULL CHECK (fit_seconds >= 0),
    model        jsonb       NOT NULL  -- {"mean", "quantiles": {q: booster}, "sigma_scaled"}
);

ALTER TABLE global_models ENABLE ROW LEVEL SECURITY;
CREATE POLICY site_scope ON global_models USING (site = ANY (app_sites()));
GRANT SELECT ON global_models TO edgestock_app;
