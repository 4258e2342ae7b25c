#!/bin/sh
# Secrets come as files (Docker/Compose secrets), never as environment in the image:
# the database password for libpq (PGPASSWORD, so DATABASE_URL carries none) and the
# bearer token Prometheus must send to /metrics.
set -eu
if [ -r /run/secrets/postgres_password ]; then
    PGPASSWORD="$(cat /run/secrets/postgres_password)"
    export PGPASSWORD
fi
if [ -r /run/secrets/metrics_token ]; then
    EDGESTOCK_METRICS_TOKEN="$(cat /run/secrets/metrics_token)"
    export EDGESTOCK_METRICS_TOKEN
fi
exec "$@"
