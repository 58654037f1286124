# The two commands of README.md.
#   make run   — build, fill ./data/greenreach.gpkg with the demo town if it is empty, serve on :8080
#   make test  — everything: vet, unit tests, both stores (a throwaway PostGIS), GDAL as a client
GO ?= go
DB ?= ./data/greenreach.gpkg
ADDR ?= :8080

.PHONY: run test build
build:
	$(GO) build -o bin/greenreach ./cmd/greenreach

run:
	.ci/setup run
	$(MAKE) build
	./bin/greenreach --db $(DB) demo --if-empty
	./bin/greenreach --db $(DB) serve --addr $(ADDR)

test:
	.ci/test
