#!/bin/sh
# Offline stand-in for the official postgres image's entrypoint: POSTGRES_USER/PASSWORD/DB, data in PGDATA.
set -eu
PGDATA=${PGDATA:-/var/lib/postgresql/data}
BIN=/usr/lib/postgresql/15/bin
if [ "${1:-postgres}" != "postgres" ]; then exec "$@"; fi
mkdir -p "$PGDATA" /run/postgresql
chown -R postgres:postgres "$PGDATA" /run/postgresql
chmod 700 "$PGDATA"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  printf '%s\n' "${POSTGRES_PASSWORD:-postgres}" > /tmp/pwfile
  chown postgres /tmp/pwfile
  su postgres -s /bin/sh -c "$BIN/initdb -D '$PGDATA' --username='${POSTGRES_USER:-postgres}' --pwfile=/tmp/pwfile --auth-host=scram-sha-256 --auth-local=trust" >/dev/null
  rm -f /tmp/pwfile
  echo "listen_addresses = '*'" >> "$PGDATA/postgresql.conf"
  echo "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
  if [ -n "${POSTGRES_DB:-}" ] && [ "${POSTGRES_DB}" != "postgres" ]; then
    su postgres -s /bin/sh -c "$BIN/postgres --single -D '$PGDATA' postgres" <<SQL >/dev/null
CREATE DATABASE "${POSTGRES_DB}" OWNER "${POSTGRES_USER:-postgres}";
SQL
  fi
fi
exec su postgres -s /bin/sh -c "exec $BIN/postgres -D '$PGDATA'"
