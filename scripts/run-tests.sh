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
start=$(date +%s)
set +e
$PY -m pytest "$@"
status=$?
set -e
echo "pytest finished in $(( $(date +%s) - start )) s with exit code $status"
# pytest exits 5 when it collected nothing: that is a failure here, never a pass.
exit $status
