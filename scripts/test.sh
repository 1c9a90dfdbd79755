#!/usr/bin/env bash
# The test command of the README (and of .ci/run): install what the tests need, start the database
# servers, run the whole suite. Extra arguments go to pytest (e.g. `bash scripts/test.sh -x -k demo`).
# Fails when a test fails and when no test ran (pytest's exit 5, or a run in which nothing passed).
#
# Test databases (defaults below; services.sh creates the user and the databases):
#   CALLCENTER_TEST_PG_URL     PostgreSQL, each test process works in <db>_p<pid> next to it
#   CALLCENTER_TEST_MYSQL_URL  MariaDB/MySQL, likewise
set -euo pipefail
cd "$(dirname "$0")/.."

pip_args=(--disable-pip-version-check -q -r requirements-dev.txt)
# A system Python marked "externally managed" (Debian's python3 on a fresh CI machine) refuses pip
# installs; CI machines are throwaway, so there we install anyway. Developers use a venv.
if [ -n "${CI:-}" ] && python3 -c 'import sys, sysconfig, pathlib; sys.exit(0 if sys.prefix == sys.base_prefix and (pathlib.Path(sysconfig.get_path("stdlib")) / "EXTERNALLY-MANAGED").exists() else 1)'; then
  pip_args+=(--break-system-packages --ignore-installed)
fi
python3 -m pip install "${pip_args[@]}"
bash scripts/services.sh

export CALLCENTER_TEST_PG_URL="${CALLCENTER_TEST_PG_URL:-postgresql+psycopg://callcenter:callcenter@127.0.0.1:5432/callcenter_test}"
export CALLCENTER_TEST_MYSQL_URL="${CALLCENTER_TEST_MYSQL_URL:-mysql+pymysql://callcenter:callcenter@127.0.0.1:3306/callcenter_test}"
export CALLCENTER_REQUIRE_SERVERS=1   # engine tests fail, not skip, when a server is missing
unset CALLCENTER_DB_URL               # tests choose their databases; a developer's own must not leak in

# Lint, format and types first (ruff, ruff format, mypy strict on core/); a failure here fails the run
# at the end, after the tests, so one run shows everything.
gates_failed=()
echo "test.sh: ruff check"
python3 -m ruff check . || gates_failed+=("ruff check")
echo "test.sh: ruff format --check"
python3 -m ruff format --check . || gates_failed+=("ruff format")
echo "test.sh: mypy (strict on core/)"
python3 -m mypy || gates_failed+=("mypy")

# Count outcomes with a tiny plugin rather than by reading pytest's summary line, which -qq hides.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat >"$work/callcenter_test_counts.py" <<'PY'
"""Write the number of passed/failed/error/skipped tests to $CALLCENTER_TEST_COUNTS at the end."""
import os
from collections import Counter

_counts: Counter[str] = Counter()


def pytest_runtest_logreport(report):
    # One count per test: its call, or the setup that failed or skipped it; plus failed teardowns.
    if report.when == "call" or not report.passed:
        _counts[report.outcome] += 1


def pytest_sessionfinish(session, exitstatus):
    with open(os.environ["CALLCENTER_TEST_COUNTS"], "w", encoding="utf-8") as f:
        f.write(" ".join(f"{k}={_counts[k]}" for k in ("passed", "failed", "skipped")))
PY
export CALLCENTER_TEST_COUNTS="$work/counts"

set +e
# DuckDB's bindings (nanobind) print "leaked instance" lines at interpreter exit when chdb is
# loaded in the same process; they are harmless and would bury pytest's summary line, so drop them.
# Two workers (pytest-xdist), each taking whole test files (--dist loadfile: a file's module fixtures are
# built once); CALLCENTER_TEST_WORKERS=0 runs in one process (e.g. to debug). Each worker has its own
# server databases (<db>_p<pid>) and temporary directories.
workers=${CALLCENTER_TEST_WORKERS:-2}
xdist=()
if [ "$workers" != "0" ]; then xdist=(-n "$workers" --dist loadfile); fi
PYTHONPATH="$work${PYTHONPATH:+:$PYTHONPATH}" python3 -m pytest -p callcenter_test_counts "${xdist[@]}" "$@" 2>&1 \
  | grep --line-buffered -vE '^nanobind: |^ - leaked |^ - \.\.\. skipped remainder|^See https://nanobind' \
  | tee "$work/log"
status=${PIPESTATUS[0]}
set -e

# pytest's own summary line ("=== 3 passed in 1.2s ===", or "3 passed in 1.2s" under -q).
summary=$(sed 's/\x1b\[[0-9;]*m//g' "$work/log" \
  | grep -E '^(=+ )?(no tests ran|[0-9]+ (passed|failed|errors?|skipped|deselected|xfailed|xpassed|warnings?|rerun))[^=]* in [0-9.]+s' \
  | tail -1 || true)
counts=$(cat "$work/counts" 2>/dev/null || echo "passed=0 failed=0 skipped=0")
passed=$(sed -E 's/.*passed=([0-9]+).*/\1/' <<<"$counts")

info_only=0
for arg in "$@"; do
  case "$arg" in --co | --collect-only | -h | --help | --version | -V | --fixtures | --markers) info_only=1 ;; esac
done

echo "test.sh: pytest exit $status; ${summary:-no summary line} ($counts)"
if [ ${#gates_failed[@]} -gt 0 ]; then
  echo "test.sh: FAILED gates: ${gates_failed[*]}" >&2
  [ "$status" -eq 0 ] && status=1
fi
if [ "$status" -eq 5 ]; then
  echo "test.sh: FAILED: no test ran" >&2
  exit 1
fi
if [ "$status" -eq 0 ] && [ "$info_only" -eq 0 ] && [ "$passed" -eq 0 ]; then
  echo "test.sh: FAILED: pytest reported success but no test passed" >&2
  exit 1
fi
exit "$status"
