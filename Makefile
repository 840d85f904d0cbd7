# Parley developer commands. `make` alone lists them.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

GO ?= go
# What the tests connect to (they create and drop their own databases).
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable
TEST_REDIS_URL ?= redis://127.0.0.1:6379
export TEST_DATABASE_URL TEST_REDIS_URL

# Make sure the Postgres and Redis the tests use answer (starts private copies under ./data if needed).
TEST_SERVICES = DATABASE_URL='$(TEST_DATABASE_URL)' REDIS_URL='$(TEST_REDIS_URL)' bash shared/dev/services.sh

.PHONY: help run test lint build bench e2e compose-check clean distclean

help:
	@echo 'Parley — make targets:'
	@echo '  make run            start Postgres/Redis if needed, build, migrate, seed the demo firm, run portal+gateway+worker'
	@echo '  make test           go test -race on every package against real Postgres and Redis'
	@echo '  make lint           gofmt (must list nothing) and go vet'
	@echo '  make build          build portal, gateway and worker into ./bin'
	@echo '  make bench          run the benchmarks'
	@echo '  make e2e            run the browser (end-to-end) tests'
	@echo '  make compose-check  validate compose.yaml'
	@echo '  make clean          remove build output (./bin, ./data/bin, test binaries, coverage files)'
	@echo '  make distclean      clean, stop the private Postgres/Redis and delete ./data (dev database, documents)'

run:
	@bash shared/dev/run.sh || { s=$$?; [ $$s -eq 130 ] || exit $$s; } # 130: stopped with Ctrl-C

test:
	@$(TEST_SERVICES)
	$(GO) test -race -count=1 -p 2 ./...

lint:
	@files=$$(find . \( -path ./data -o -path ./bin -o -path ./.git \) -prune -o -type f -name '*.go' -print); \
	if [ -n "$$files" ]; then \
		bad=$$(gofmt -l $$files); \
		if [ -n "$$bad" ]; then echo 'gofmt: these files are not formatted (run gofmt -w on them):'; echo "$$bad"; exit 1; fi; \
	fi
	$(GO) vet ./...

build:
	@mkdir -p bin
	$(GO) build -o ./bin/ ./portal ./gateway ./worker

# The client matter page is measured over a fixed 20,000 requests, so its
# req/s and p99 compare from run to run. The texting benchmarks (real
# gateway, worker and portal programs) each size their own run: 10 s at
# 1,000 texts/s, a 20,000-text backlog, and 300 texts shown one at a time
# on an open staff page, so they run once (-benchtime=1x).
# The big-firm benchmark times every page 50 times at the medium and the
# large data set (built once per machine, about a minute) and prints the
# ratios, so it also runs once.
TEXT_BENCHMARKS = BenchmarkWebhookToStored|BenchmarkWorkerBacklog|BenchmarkLiveUpdate
bench:
	@$(TEST_SERVICES)
	$(GO) test -run '^$$' -bench . -skip '^(BenchmarkClientMatterPage|BenchmarkBigFirmPages|BenchmarkFirmRecords|$(TEXT_BENCHMARKS))$$' -benchmem ./...
	$(GO) test -run '^$$' -bench '^BenchmarkClientMatterPage$$' -benchtime=20000x -benchmem ./portal/internal/bench/
	$(GO) test -run '^$$' -bench '^BenchmarkBigFirmPages$$' -benchtime=1x ./portal/internal/bench/
	$(GO) test -run '^$$' -bench '^BenchmarkFirmRecords$$' -benchtime=1x -timeout 30m ./portal/internal/bench/
	$(GO) test -run '^$$' -bench '^($(TEXT_BENCHMARKS))$$' -benchtime=1x ./shared/texte2e/

e2e:
	@$(TEST_SERVICES)
	$(GO) test -race -count=1 -p 2 -run Browser ./...

compose-check:
	@if docker compose version >/dev/null 2>&1; then \
		docker compose config -q; \
	elif command -v docker-compose >/dev/null 2>&1; then \
		docker-compose config -q; \
	else \
		echo 'compose-check needs docker compose or docker-compose (sudo apt-get install -y docker-compose)'; exit 1; \
	fi
	@echo 'compose.yaml is valid'

clean:
	rm -rf ./bin ./data/bin
	find . \( -path ./data -o -path ./.git \) -prune -o -type f \( -name '*.test' -o -name 'coverage.out' -o -name 'cover.out' -o -name '*.coverprofile' -o -name 'coverage*.html' \) -print -delete

distclean: clean
	bash shared/dev/services.sh stop
	rm -rf ./data
