#!/usr/bin/env bash
# `make sam-build [FUNCTIONS="GetMeFunction ..."]`: builds the Lambda functions as SAM does
# for a deployment (cargo-lambda, arm64, release). No Docker needed.
set -euo pipefail
source "$(dirname "$0")/local-stack.sh"

VENV="$REPO_ROOT/.venv"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
if [ ! -x "$VENV/bin/sam" ] || ! cmp -s "$INFRA_DIR/requirements-deploy.txt" "$VENV/.installed-deploy"; then
  log "installing aws-sam-cli and cargo-lambda into .venv"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$INFRA_DIR/requirements-deploy.txt"
  cp "$INFRA_DIR/requirements-deploy.txt" "$VENV/.installed-deploy"
fi
if command -v rustup >/dev/null && ! rustup target list --installed | grep -q aarch64-unknown-linux-gnu; then
  rustup target add aarch64-unknown-linux-gnu
fi
export PATH="$VENV/bin:$PATH"
# shellcheck disable=SC2086 # FUNCTIONS is a list of logical ids
(cd "$REPO_ROOT" && sam build --beta-features ${FUNCTIONS:-})
