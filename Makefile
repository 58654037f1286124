# The two commands of README.md.
#   make run   — build, fill ./data/greenreach.gpkg with the demo town if it is empty, serve on :8080
#   make test  — everything: vet, unit tests, both stores (a throwaway PostGIS), GDAL as a client
GO ?= go
DB ?= ./data/greenreach.gpkg
ADDR ?= :8080

.PHONY: run test build assets
build: assets
	$(GO) build -o bin/greenreach ./cmd/greenreach

# The map libraries, from npm into static/lib (embedded by the build).
assets:
	cd static && npm ci --no-audit --no-fund --loglevel=error && npm run --silent assets

run:
	.ci/setup run
	$(MAKE) build
	./bin/greenreach --db $(DB) demo --if-empty
	@# An admin token for the planner's and auditor's pages (🔑 button), printed once.
	./bin/greenreach --db $(DB) token create --name demo-admin --role admin --if-none
	./bin/greenreach --db $(DB) serve --addr $(ADDR)

test:
	.ci/test
