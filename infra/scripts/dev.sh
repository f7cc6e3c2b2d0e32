#!/usr/bin/env bash
# `make dev`: DynamoDB Local (data kept in .local/dynamodb), the local SES, and the local API
# serving every route. Ctrl-C stops all of it.
set -euo pipefail
source "$(dirname "$0")/local-stack.sh"

API_PORT="${API_PORT:-3000}"
DYNAMODB_PORT="${DYNAMODB_PORT:-8000}"
SES_PORT="${SES_PORT:-8005}"
export API_PORT DYNAMODB_PORT SES_PORT
export TABLE_NAME="${TABLE_NAME:-gopimi-workspaces}"
export LOCAL_JWT_SECRET="${LOCAL_JWT_SECRET:-gopimi-local-development-secret}"
export LOG_DIR="$REPO_ROOT/.local/logs"
mkdir -p "$LOG_DIR"

require_tools
install_npm_packages
port_in_use "$API_PORT" && die "port $API_PORT (API) is already in use; set API_PORT"

log "building the local server"
cargo build --quiet -p gopimi-local --bins

trap 'stop_started' EXIT
trap 'log "stopping"; exit 0' INT TERM
log "starting DynamoDB Local on :$DYNAMODB_PORT (data in .local/dynamodb)"
start_dynamodb "$DYNAMODB_PORT" "$REPO_ROOT/.local/dynamodb"
log "starting the local SES on :$SES_PORT"
start_ses "$SES_PORT"

"$CARGO_TARGET_DIR/debug/local-server" &
STARTED_PIDS+=($!)
wait_for_port "$API_PORT" "the local API"

TOKEN=$("$CARGO_TARGET_DIR/debug/mint-token" owner@example.com)
cat <<BANNER

  GoPimi Workspaces is running locally.

  API            http://localhost:$API_PORT
  Email inbox    http://localhost:$SES_PORT        (JSON: http://localhost:$SES_PORT/store)
  DynamoDB Local http://localhost:$DYNAMODB_PORT   (table $TABLE_NAME)
  JWT secret     $LOCAL_JWT_SECRET   (HS256; tokens for any email: make token EMAIL=you@example.com)
  Logs           .local/logs/

  A token for owner@example.com:
    export TOKEN=$TOKEN

  Try it:
    curl -s -X POST http://localhost:$API_PORT/workspaces -H "Authorization: Bearer \$TOKEN" \\
         -H 'content-type: application/json' -d '{"name": "Acme Support"}'
    curl -s http://localhost:$API_PORT/workspaces -H "Authorization: Bearer \$TOKEN"

  Data is kept in .local/dynamodb between runs (make clean starts afresh). New users are on
  the Lite plan: one workspace each. README.md has a tour of every capability.

  Ctrl-C stops everything.

BANNER
wait -n "${STARTED_PIDS[@]}"
