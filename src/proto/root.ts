/**
 * The single protobufjs Root holding every Envoy message Portico emits or packs into an Any.
 *
 * One Root matters: protobufjs packs `{'@type': url, ...}` into an Any only when that type is
 * loaded in the same Root, and silently encodes an empty Any otherwise. Everything Portico
 * sends is therefore loaded here, from the Envoy API protos pinned by `@grpc/grpc-js-xds`.
 */
// proto-loader registers google/protobuf/descriptor.proto (and api/type) as protobufjs
// "common" files when it is first imported; Envoy's annotations import descriptor.proto.
import '@grpc/proto-loader';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import protobuf from 'protobufjs';

/** The package whose `deps/` ships the Envoy API protos, and the version this list was checked against. */
export const PROTO_PACKAGE = '@grpc/grpc-js-xds';
export const PROTO_PACKAGE_VERSION = '1.14.1';

/**
 * Entry-point .proto files, relative to the include dirs. The one source of truth for what is
 * loaded; `protos/README.md` explains it (a unit test keeps the two in step).
 */
export const PROTO_ENTRYPOINTS: readonly string[] = [
  // Resources served over xDS.
  'envoy/config/listener/v3/listener.proto',
  'envoy/config/route/v3/route.proto',
  'envoy/config/cluster/v3/cluster.proto',
  'envoy/config/endpoint/v3/endpoint.proto',
  'envoy/extensions/transport_sockets/tls/v3/secret.proto',
  // Messages packed into Any fields of those resources.
  'envoy/extensions/transport_sockets/tls/v3/tls.proto',
  'envoy/extensions/filters/listener/tls_inspector/v3/tls_inspector.proto',
  'envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto',
  'envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy.proto',
  'envoy/extensions/filters/udp/udp_proxy/v3/udp_proxy.proto',
  'envoy/extensions/filters/udp/udp_proxy/v3/route.proto',
  'envoy/extensions/filters/http/router/v3/router.proto',
  'envoy/extensions/filters/http/cors/v3/cors.proto',
  'envoy/extensions/filters/http/fault/v3/fault.proto',
  'envoy/extensions/filters/http/stateful_session/v3/stateful_session.proto',
  'envoy/extensions/http/stateful_session/cookie/v3/cookie.proto',
  'envoy/extensions/http/stateful_session/header/v3/header.proto',
  'envoy/extensions/upstreams/http/v3/http_protocol_options.proto',
  'envoy/extensions/retry/host/previous_hosts/v3/previous_hosts.proto',
  'envoy/extensions/filters/http/ext_authz/v3/ext_authz.proto',
  'envoy/extensions/filters/http/rbac/v3/rbac.proto',
  'envoy/extensions/filters/http/basic_auth/v3/basic_auth.proto',
  // BackendTrafficPolicy route settings: compression, request buffer, response overrides.
  'envoy/extensions/filters/http/compressor/v3/compressor.proto',
  'envoy/extensions/compression/gzip/compressor/v3/gzip.proto',
  'envoy/extensions/compression/brotli/compressor/v3/brotli.proto',
  'envoy/extensions/compression/zstd/compressor/v3/zstd.proto',
  'envoy/extensions/filters/http/buffer/v3/buffer.proto',
  'envoy/extensions/filters/http/custom_response/v3/custom_response.proto',
  'envoy/extensions/http/custom_response/local_response_policy/v3/local_response_policy.proto',
  'envoy/type/matcher/v3/status_code_input.proto',
  // Vendored (protos/envoy-1.40): newer than the pinned package's Envoy API.
  'envoy/extensions/filters/http/api_key_auth/v3/api_key_auth.proto',
  'envoy/extensions/filters/http/oauth2/v3/oauth.proto',
  'envoy/extensions/filters/http/jwt_authn/v3/config.proto',
  'envoy/config/trace/v3/opentelemetry.proto',
  // ClientTrafficPolicy.
  'envoy/extensions/filters/network/connection_limit/v3/connection_limit.proto',
  'envoy/extensions/filters/listener/proxy_protocol/v3/proxy_protocol.proto',
  'envoy/extensions/http/original_ip_detection/custom_header/v3/custom_header.proto',
  'envoy/extensions/http/early_header_mutation/header_mutation/v3/header_mutation.proto',
  // BackendTrafficPolicy rateLimit (local_rate_limit.proto vendored: the package's predates its fields 17-19).
  'envoy/extensions/filters/http/local_ratelimit/v3/local_rate_limit.proto',
  'envoy/extensions/filters/http/ratelimit/v3/rate_limit.proto',
  // Access logs: Envoy's standard output or error, OTLP/gRPC (its OTLP common types vendored).
  'envoy/extensions/access_loggers/stream/v3/stream.proto',
  'envoy/extensions/access_loggers/open_telemetry/v3/logs_service.proto',
  // The Envoy bootstrap `portico bootstrap` prints (checked with the same round trip).
  'envoy/config/bootstrap/v3/bootstrap.proto',
  // The bootstrap's overload manager: the global downstream connection limit.
  'envoy/extensions/resource_monitors/downstream_connections/v3/downstream_connections.proto',
  // The ADS service itself (DiscoveryRequest/Response, Delta*).
  'envoy/service/discovery/v3/ads.proto',
  'envoy/service/discovery/v3/discovery.proto',
];

/** Sub-directories of `<package>/deps` searched for imports, in order. */
const INCLUDE_SUBDIRS = ['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate'] as const;

/**
 * Envoy API files the pinned package does not ship yet (its Envoy API predates them), vendored in
 * this repository with their license: see protos/README.md. Searched before the package's, so that
 * a file vendored because the package's copy is older replaces that copy.
 */
export const VENDORED_PROTO_DIR = 'protos/envoy-1.40';

/** This repository's (or the installed image's) copy of `VENDORED_PROTO_DIR`. */
export function vendoredProtoDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, VENDORED_PROTO_DIR);
    if (fs.existsSync(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot locate ${VENDORED_PROTO_DIR} above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

/** The include directories of the pinned Envoy API protos (also used by test and bench gRPC clients). */
export function protoIncludeDirs(): string[] {
  const require = createRequire(import.meta.url);
  // The package has no "exports" map, so its main entry resolves; its root is above build/.
  let dir = path.dirname(require.resolve(PROTO_PACKAGE));
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot locate the ${PROTO_PACKAGE} package root`);
    dir = parent;
  }
  // The vendored files first: a file vendored because the package's copy is older replaces it.
  return [vendoredProtoDir(), ...INCLUDE_SUBDIRS.map((sub) => path.join(dir, 'deps', sub))];
}

function loadRoot(): protobuf.Root {
  const includeDirs = protoIncludeDirs();
  const root = new protobuf.Root();
  const defaultResolve = root.resolvePath.bind(root);
  root.resolvePath = (origin: string, target: string): string | null => {
    if (path.isAbsolute(target)) return target;
    for (const dir of includeDirs) {
      const candidate = path.join(dir, target);
      if (fs.existsSync(candidate)) return candidate;
    }
    // google/protobuf/*.proto are not on disk here: protobufjs serves them from its bundled
    // "common" definitions, which it looks up by the unresolved name.
    return defaultResolve(origin, target);
  };
  root.loadSync([...PROTO_ENTRYPOINTS], { keepCase: true });
  root.resolveAll();
  return root;
}

let memo: protobuf.Root | undefined;

/** The shared Root, loaded on first use (about 150 ms) and then reused. */
export function protoRoot(): protobuf.Root {
  memo ??= loadRoot();
  return memo;
}

/** The message type for a type URL (`type.googleapis.com/<full.name>`) or a bare full name. */
export function lookupMessageType(typeUrlOrName: string): protobuf.Type | undefined {
  const name = typeUrlOrName.slice(typeUrlOrName.lastIndexOf('/') + 1);
  try {
    return protoRoot().lookupType(name);
  } catch {
    return undefined;
  }
}
