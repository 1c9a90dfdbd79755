#!/usr/bin/env bash
# The test command of the README (and of .ci/run): install what the tests need, start the database
# servers, run the whole suite. Extra arguments go to pytest (e.g. `bash scripts/test.sh -x -k demo`).
# Fails when a test fails and when no test ran.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m pip install --disable-pip-version-check -q -r requirements-dev.txt
bash scripts/services.sh

export CALLCENTER_TEST_PG_URL="${CALLCENTER_TEST_PG_URL:-postgresql+psycopg://callcenter:callcenter@127.0.0.1:5432/callcenter_test}"
export CALLCENTER_TEST_MYSQL_URL="${CALLCENTER_TEST_MYSQL_URL:-mysql+pymysql://callcenter:callcenter@127.0.0.1:3306/callcenter_test}"
export CALLCENTER_REQUIRE_SERVERS=1   # engine tests fail, not skip, when a server is missing
unset CALLCENTER_DB_URL

log=$(mktemp)
set +e
# DuckDB's bindings (nanobind) print "leaked instance" lines at interpreter exit when chdb is
# loaded in the same process; they are harmless and would bury pytest's summary line, so drop them.
python3 -m pytest "$@" 2>&1 \
  | grep --line-buffered -vE '^nanobind: |^ - leaked |^ - \.\.\. skipped remainder|^See https://nanobind' \
  | tee "$log"
status=${PIPESTATUS[0]}
set -e
summary=$(grep -E "^=+ .*(passed|failed|error|no tests ran).* =+$" "$log" | tail -1 || true)
rm -f "$log"
if [ "$status" -eq 5 ]; then
  echo "test.sh: no test ran" >&2
  exit 1
fi
if [ "$status" -eq 0 ] && ! grep -qE "[1-9][0-9]* passed" <<<"$summary"; then
  echo "test.sh: pytest reported success but no test passed: $summary" >&2
  exit 1
fi
exit "$status"
