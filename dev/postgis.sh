#!/usr/bin/env bash
# Start Debian's PostgreSQL 15 cluster and make the database the PostGIS tests use
# (tests/test_db.py: GEOZZ_TEST_PG, default postgresql://geozz:geozz@localhost:5432/geozz_test).
# Run as root after `apt-get install postgresql-15-postgis-3`; safe to run again (a running
# cluster, an existing role, database or extension are left as they are). The server refuses
# root, so the SQL runs as the postgres user. The role and password are for tests only.
set -euo pipefail
if ! pg_lsclusters -h | awk '$1 == "15" && $2 == "main"' | grep -q .; then
  pg_createcluster 15 main
fi
pg_ctlcluster 15 main status >/dev/null 2>&1 || pg_ctlcluster 15 main start
cd /tmp  # su postgres cannot read root's working directory
psql_pg() { su postgres -c "psql -v ON_ERROR_STOP=1 -qtA $*"; }
[ "$(psql_pg "-c \"SELECT count(*) FROM pg_roles WHERE rolname = 'geozz'\"")" = 1 ] ||
  psql_pg "-c \"CREATE ROLE geozz LOGIN PASSWORD 'geozz'\""
[ "$(psql_pg "-c \"SELECT count(*) FROM pg_database WHERE datname = 'geozz_test'\"")" = 1 ] ||
  psql_pg "-c \"CREATE DATABASE geozz_test OWNER geozz\""
psql_pg "-d geozz_test -c \"CREATE EXTENSION IF NOT EXISTS postgis\""
echo "PostGIS ready: postgresql://geozz:***@localhost:5432/geozz_test"
