#!/usr/bin/env bash
# `make test`: every test against a fresh DynamoDB Local and local SES on free ports, then
# cfn-lint on template.yaml. Starts what it needs, stops it at the end, and fails when no
# test ran.
set -euo pipefail
source "$(dirname "$0")/local-stack.sh"

require_tools
install_npm_packages

# cfn-lint into a repo-local virtualenv, from infra/requirements-dev.txt.
VENV="$REPO_ROOT/.venv"
if [ ! -x "$VENV/bin/cfn-lint" ] || ! cmp -s "$INFRA_DIR/requirements-dev.txt" "$VENV/.installed-requirements"; then
  log "installing Python tools into .venv"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$INFRA_DIR/requirements-dev.txt"
  cp "$INFRA_DIR/requirements-dev.txt" "$VENV/.installed-requirements"
fi

export LOG_DIR
LOG_DIR=$(mktemp -d)
trap stop_started EXIT INT TERM

log "building every Lambda binary, the local stack and the tests"
cargo build --workspace --bins --tests

DYNAMODB_PORT=$(free_port)
SES_PORT=$(free_port)
log "starting DynamoDB Local (in memory) on :$DYNAMODB_PORT and the local SES on :$SES_PORT"
start_dynamodb "$DYNAMODB_PORT"
start_ses "$SES_PORT"
export DYNAMODB_ENDPOINT="http://127.0.0.1:$DYNAMODB_PORT"
export SES_ENDPOINT="http://127.0.0.1:$SES_PORT"

log "running the tests"
set +e
cargo test --workspace --no-fail-fast -- "$@" 2>&1 | tee "$LOG_DIR/cargo-test.log"
test_status=${PIPESTATUS[0]}
set -e

log "cfn-lint template.yaml"
lint_status=0
"$VENV/bin/cfn-lint" "$REPO_ROOT/template.yaml" || lint_status=$?

passed=$(grep -E '^test result:' "$LOG_DIR/cargo-test.log" | sed -E 's/.* ([0-9]+) passed.*/\1/' | awk '{s += $1} END {print s + 0}')
failed=$(grep -E '^test result:' "$LOG_DIR/cargo-test.log" | sed -E 's/.* ([0-9]+) failed.*/\1/' | awk '{s += $1} END {print s + 0}')
[ "$lint_status" -eq 0 ] || log "cfn-lint found problems in template.yaml"
echo "$passed passed, $failed failed"
if [ "$passed" -eq 0 ]; then
  die "no tests ran"
fi
[ "$test_status" -eq 0 ] && [ "$lint_status" -eq 0 ]
