# The Portico controller image (`manifests/deployment.yaml` runs it). Not built by this project's
# own CI: the machines it runs on have no container engine. Build and push it yourself:
#
#   docker build -t <registry>/portico:<tag> .
#   docker push <registry>/portico:<tag>
#
# then put that name in manifests/deployment.yaml.

FROM node:20.20.2-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY test ./test
COPY bench ./bench
COPY gen ./gen
COPY hack/envoy-types ./hack/envoy-types
# The CRDs' schemas as JSON (hack/crd-schema-cache.ts): read from the YAML once, at build.
COPY hack/crd-schema-cache.ts ./hack/
COPY third_party/gateway-api-v1.7.0 ./third_party/gateway-api-v1.7.0
COPY manifests/crd-envoyproxyparameters.yaml manifests/crd-securitypolicy.yaml manifests/crd-backendtrafficpolicy.yaml manifests/crd-clienttrafficpolicy.yaml ./manifests/
RUN npx tsc -p tsconfig.json && node dist/hack/crd-schema-cache.js && npm prune --omit=dev --no-audit --no-fund

FROM node:20.20.2-bookworm-slim
# certgen (`portico certgen`) shells out to openssl.
RUN apt-get update && apt-get install -y --no-install-recommends openssl && rm -rf /var/lib/apt/lists/*
WORKDIR /portico
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist/src ./dist/src
# The Gateway API CRDs objects are validated against (package.json's portico.gatewayApiCrds names
# this directory, relative to package.json, here as in the source tree).
COPY third_party/gateway-api-v1.7.0 ./third_party/gateway-api-v1.7.0
# Portico's own CRDs: file mode validates its kinds against them (package.json portico.porticoCrds;
# test/schema/schema-validation.test.ts checks every manifests/crd-*.yaml is copied).
COPY manifests/crd-envoyproxyparameters.yaml ./manifests/
COPY manifests/crd-securitypolicy.yaml ./manifests/
COPY manifests/crd-backendtrafficpolicy.yaml ./manifests/
COPY manifests/crd-clienttrafficpolicy.yaml ./manifests/
COPY protos/envoy-1.40 ./protos/envoy-1.40
COPY bin ./bin
USER node
# Node.js flags and the malloc setting: src/infra/node-flags.ts.
ENV GLIBC_TUNABLES=glibc.malloc.mmap_threshold=131072
ENTRYPOINT ["node", "--max-semi-space-size=4", "/portico/bin/portico.js"]
