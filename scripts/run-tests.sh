#!/usr/bin/env bash
# The whole check: ruff, migrations in step with models, then pytest. Extra args go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
services=$(scripts/services.sh) || exit 1
eval "$services"
export CELERY_TASK_ALWAYS_EAGER=true
echo "== ruff"
$PY -m ruff check .
$PY -m ruff format --check .
echo "== import contracts (the rules of dependency, docs/architecture.md)"
.venv/bin/lint-imports --no-cache
echo "== migrations"
$PY manage.py makemigrations --check --dry-run
echo "== pytest"
# pytest runs on PYTEST_WORKERS pytest-xdist workers (2 by default, one per core of the CI
# machine; 0 runs serially), each with its own test database and Redis database
# (kapclinic/settings_test.py); a -n in the arguments wins.
# (Not --dist loadgroup: xdist 3.8 cannot tag groups under pytest 9.2, they run as plain load.)
workers=()
if [ "${PYTEST_WORKERS:-2}" != 0 ] && [[ " $* " != *" -n"* && " $* " != *" --numprocesses"* ]]; then
  workers=(-n "${PYTEST_WORKERS:-2}")
fi
start=$(date +%s)
set +e
$PY -m pytest "${workers[@]}" "$@"
status=$?
set -e
echo "pytest finished in $(( $(date +%s) - start )) s with exit code $status"
# pytest exits 5 when it collected nothing: that is a failure here, never a pass.
exit $status
