# The two commands of README.md.
#   make run   — build, fill ./data/greenreach.gpkg with the demo town if it is empty, serve on :8080
#   make test  — everything: vet, unit tests, both stores (a throwaway PostGIS), GDAL as a client
#   make deb   — dist/greenreach_<version>_<arch>.deb for a Debian server (README: Install on a server)
GO ?= go
DB ?= ./data/greenreach.gpkg
ADDR ?= :8080
DIST ?= dist
GLYPH_FONT ?= /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
GLYPHS := glyphs/ranges/data/0-255.pbf.gz

.PHONY: run test build assets deb
build: assets
	$(GO) build -o bin/greenreach ./cmd/greenreach

# The map libraries, from npm into static/lib, and the map labels' glyph
# ranges into glyphs/ranges/data (both embedded by the build).
assets: $(GLYPHS)
	cd static && npm ci --no-audit --no-fund --loglevel=error && npm run --silent assets

# The glyph ranges, drawn from Debian's fonts-noto-cjk (.ci/setup); again
# when the font or the drawing code is newer than them.
$(GLYPHS): $(wildcard $(GLYPH_FONT)) $(filter-out %_test.go,$(wildcard glyphs/*.go glyphs/mkglyphs/*.go))
	$(GO) run ./glyphs/mkglyphs -font $(GLYPH_FONT) -out glyphs/ranges/data

run:
	.ci/setup run
	$(MAKE) build
	./bin/greenreach --db $(DB) demo --if-empty
	@# An admin token for the planner's and auditor's pages (🔑 button), printed once.
	./bin/greenreach --db $(DB) token create --name demo-admin --role admin --if-none
	./bin/greenreach --db $(DB) serve --addr $(ADDR)

test:
	.ci/test

# The Debian package: binary, systemd unit, environment file, maintainer
# scripts (packaging/). VERSION=1.2.3 overrides the version from git;
# SKIP_ASSETS=1 packs static/lib as it is (the install test, which runs
# beside tests that use static/node_modules).
deb: $(if $(SKIP_ASSETS),,assets)
	.ci/setup deb
	packaging/build-deb $(DIST)
