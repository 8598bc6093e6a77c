# Stratum — two commands on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
GO    ?= go
BIN   := bin/stratum
NPM   ?= npm
FRONTEND_STAMP := frontend/dist/index.html
FRONTEND_SRC := $(shell find frontend/src frontend/index.html frontend/graphiql.html frontend/package.json frontend/vite.config.ts -type f 2>/dev/null)

.PHONY: run build test tools fmt-check test-go test-frontend generate check-generated bench lint frontend devdb-up devdb-down clean

## run: check the database (seconds), then build everything and start Stratum on :8080
#   `devdb ensure` creates DATABASE_URL's database when missing (or prints the
#   command that does and stops); without DATABASE_URL it says where PostgreSQL
#   will be found or started, or why it cannot be, before the build.
run:
	@$(GO) run ./cmd/stratum/devdb ensure
	@$(MAKE) --no-print-directory build
	$(BIN) serve

## build: the frontend assets (when missing or stale) and the Go binary
build: frontend
	$(GO) build -o $(BIN) ./cmd/stratum

# npm ci when node_modules is missing or older than the lock file.
frontend/node_modules/.package-lock.json: frontend/package-lock.json
	cd frontend && $(NPM) ci --no-audit --no-fund
	@touch $@

# Build when dist/index.html is missing or older than any source or config.
$(FRONTEND_STAMP): frontend/node_modules/.package-lock.json $(FRONTEND_SRC) $(wildcard frontend/tsconfig*.json frontend/public/*)
	cd frontend && $(NPM) run build

## frontend: build frontend/dist (embedded into the binary)
frontend: $(FRONTEND_STAMP)

## test: gofmt, vet, every Go test with -race against real PostgreSQL, frontend checks
#   (go test runs go vet's full set of checks on every package, with or
#   without tests, on the race build it compiles anyway: no second compile)
test: frontend fmt-check
	@set -euo pipefail; \
	url="$${DATABASE_URL:-}"; \
	if [ -z "$$url" ]; then url=$$($(GO) run ./cmd/stratum/devdb up); fi; \
	export DATABASE_URL="$$url"; \
	echo "== go test (race; every go vet check, -vet=all) against $$DATABASE_URL"; \
	$(GO) test -race -vet=all -count=1 -timeout 14m ./...; \
	$(MAKE) --no-print-directory test-frontend

## tools: install stripe-mock (Stripe's API mock the billing tests run
#   against). Optional: the tests' harness (internal/stripemock) runs the same
#   `go install` itself when the binary is missing; run this ahead of an
#   offline test run.
tools:
	GOFLAGS=-buildvcs=false $(GO) install github.com/stripe/stripe-mock@v0.203.0

## test-frontend: type checks, unit tests and end-to-end tests of the frontend
#   (the API and browser tests create a fresh database on DATABASE_URL's
#   server or via `stratum devdb up` and run `stratum serve` on a free port).
#   The binary is built once here, embedding the current frontend/dist, and
#   handed to both test projects (STRATUM_TEST_BIN), so neither builds the
#   Go binary or the assets again; `npm run build` has already type-checked
#   the app's sources, so only the node config's check runs before Vitest.
test-frontend: build
	cd frontend && $(NPM) exec -- tsc --noEmit -p tsconfig.node.json && \
		STRATUM_TEST_BIN=$(CURDIR)/$(BIN) $(NPM) exec -- vitest run

## generate: regenerate gqlgen code (and the frontend's typed operations)
generate:
	$(GO) tool gqlgen generate
	@if [ -f frontend/codegen.ts ]; then cd frontend && $(NPM) run codegen; fi

## check-generated: fail when generated code is not current
check-generated: generate
	@git diff --exit-code -- graph resolvers frontend/src/gql || (echo "generated code is stale: run 'make generate' and commit" && exit 1)

## bench: benchmarks (results go in docs/benchmarks.md)
bench:
	@set -euo pipefail; \
	url="$${DATABASE_URL:-}"; \
	if [ -z "$$url" ]; then url=$$($(GO) run ./cmd/stratum/devdb up); fi; \
	export DATABASE_URL="$$url"; \
	$(GO) test -run '^$$' -bench . -benchmem -count 1 ./...

## fmt-check: fail when a Go file is not gofmt-formatted
fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go')); \
	if [ -n "$$out" ]; then echo "not gofmt-formatted:"; echo "$$out"; exit 1; fi

## lint: gofmt and go vet
lint: fmt-check
	$(GO) vet ./...

devdb-up:
	@$(GO) run ./cmd/stratum/devdb up
devdb-down:
	@$(GO) run ./cmd/stratum/devdb down

clean:
	rm -rf bin frontend/dist/assets frontend/dist/*.html
