#!/usr/bin/env bash
# Install (when missing) and start the database servers and the browser the tests use:
# PostgreSQL 15, MariaDB, Chromium with a CJK font. Idempotent; safe to run repeatedly.
# Creates the role/user `callcenter` (password `callcenter`) owning the database `callcenter_test`
# on both servers. Test URLs (override with the same variables):
#   CALLCENTER_TEST_PG_URL=postgresql+psycopg://callcenter:callcenter@127.0.0.1:5432/callcenter_test
#   CALLCENTER_TEST_MYSQL_URL=mysql+pymysql://callcenter:callcenter@127.0.0.1:3306/callcenter_test
set -euo pipefail

need=()
for pkg in chromium fonts-noto-cjk mariadb-server postgresql; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null
fi

# PostgreSQL
pgver=$(ls /etc/postgresql 2>/dev/null | sort -n | tail -1)
if [ -z "$pgver" ]; then echo "no PostgreSQL cluster found" >&2; exit 1; fi
pg_ctlcluster "$pgver" main start 2>/dev/null || true
for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 && break; sleep 1; done
su postgres -c "psql -qtAc \"SELECT 1 FROM pg_roles WHERE rolname='callcenter'\"" | grep -q 1 \
  || su postgres -c "psql -qc \"CREATE ROLE callcenter LOGIN PASSWORD 'callcenter' CREATEDB\""
su postgres -c "psql -qtAc \"SELECT 1 FROM pg_database WHERE datname='callcenter_test'\"" | grep -q 1 \
  || su postgres -c "psql -qc \"CREATE DATABASE callcenter_test OWNER callcenter ENCODING 'UTF8' TEMPLATE template0\""

# MariaDB
if ! mysqladmin ping >/dev/null 2>&1; then
  (service mariadb start || service mysql start) >/dev/null 2>&1 || true
fi
for _ in $(seq 1 30); do mysqladmin ping >/dev/null 2>&1 && break; sleep 1; done
mysql -e "CREATE DATABASE IF NOT EXISTS callcenter_test CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
          CREATE USER IF NOT EXISTS 'callcenter'@'localhost' IDENTIFIED BY 'callcenter';
          CREATE USER IF NOT EXISTS 'callcenter'@'127.0.0.1' IDENTIFIED BY 'callcenter';
          GRANT ALL ON \`callcenter\_test%\`.* TO 'callcenter'@'localhost';
          GRANT ALL ON \`callcenter\_test%\`.* TO 'callcenter'@'127.0.0.1';
          FLUSH PRIVILEGES;"
echo "services ready: PostgreSQL $pgver, $(mysql -N -e 'select version()'), $(chromium --version 2>/dev/null | head -1)"
