#!/bin/sh
# One-shot job of docker-compose.yml: creates or upgrades Temporal's schemas in PostgreSQL with
# the official admin tools. Safe to run on every `docker compose up`.
set -eu
: "${POSTGRES_SEEDS:?}" "${POSTGRES_USER:?}" "${SQL_PASSWORD:?}"
port="${DB_PORT:-5432}"
tool() { temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -u "$POSTGRES_USER" -p "$port" "$@"; }

for db in temporal temporal_visibility; do
  schema=temporal
  [ "$db" = temporal_visibility ] && schema=visibility
  echo "schema of $db"
  tool --db "$db" create 2>/dev/null || echo "database $db exists"
  # setup-schema only initialises an empty database; update-schema brings any version up to date.
  tool --db "$db" setup-schema -v 0.0 2>/dev/null || echo "database $db is already initialised"
  tool --db "$db" update-schema -d "/etc/temporal/schema/postgresql/v12/$schema/versioned"
done
echo "Temporal schemas are up to date"
