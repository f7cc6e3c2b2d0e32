# GoPimi Workspaces. `make dev` runs it locally; `make test` runs every test.
SHELL := /bin/bash
export CARGO_TARGET_DIR ?= $(HOME)/.cache/gopimi-workspaces/target

.PHONY: dev test token lint build sam-build clean

## Run the service locally: DynamoDB Local, the local SES and the API on :3000.
dev:
	@infra/scripts/dev.sh

## Run every test against a fresh DynamoDB Local and local SES, then cfn-lint.
test:
	@infra/scripts/test.sh

## Print a local bearer token: make token EMAIL=ada@example.com [ADMIN=1]
token:
	@test -n "$(EMAIL)" || { echo "usage: make token EMAIL=you@example.com [ADMIN=1]" >&2; exit 2; }
	@cargo run --quiet -p gopimi-local --bin mint-token -- "$(EMAIL)" $(if $(ADMIN),--admin,)

## Formatting and lints.
lint:
	cargo fmt --all --check
	cargo clippy --workspace --all-targets -- -D warnings

## Every Lambda binary, debug.
build:
	cargo build --workspace --bins

## Build the functions for AWS as SAM does: make sam-build [FUNCTIONS="GetMeFunction"]
sam-build:
	@infra/scripts/sam-build.sh

clean:
	rm -rf .local .aws-sam
