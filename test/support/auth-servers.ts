/**
 * Real external authorization servers for end-to-end tests, both speaking what Envoy's ext_authz
 * speaks: an HTTP server (any status but 200 denies) and a gRPC server of the
 * `envoy.service.auth.v3.Authorization` service (loaded by @grpc/proto-loader from the Envoy API,
 * independent of Portico's encoder). Each allows a request carrying `x-user: alice` and records
 * what it was sent.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { protoIncludeDirs } from '../../src/proto/root.js';

export interface HttpCheck {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface HttpAuthServer {
  port: number;
  checks: HttpCheck[];
  close(): Promise<void>;
}

/**
 * Allows `x-user: alice` with 200, adding `x-auth-user: alice` and `x-auth-extra: 1` to the
 * request; denies anything else with 401 and the body `no user`.
 */
export async function startHttpAuthServer(): Promise<HttpAuthServer> {
  const checks: HttpCheck[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      checks.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString() });
      if (req.headers['x-user'] !== 'alice') {
        res.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer' });
        res.end('no user');
        return;
      }
      res.writeHead(200, { 'x-auth-user': 'alice', 'x-auth-extra': '1' });
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    checks,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export interface GrpcAuthServer {
  port: number;
  /** The request headers of each CheckRequest (`attributes.request.http.headers`). */
  checks: Record<string, string>[];
  close(): Promise<void>;
}

interface CheckRequest {
  attributes?: { request?: { http?: { headers?: Record<string, string> } } };
}

type Check = grpc.handleUnaryCall<CheckRequest, unknown>;

/** gRPC status codes (google.rpc.Code). */
const OK = 0;
const PERMISSION_DENIED = 7;

/**
 * Allows `x-user: alice`, adding `x-grpc-user: alice` to the request; denies anything else
 * with an HTTP 403 whose body is `grpc says no`.
 */
export async function startGrpcAuthServer(): Promise<GrpcAuthServer> {
  const definition = protoLoader.loadSync('envoy/service/auth/v3/external_auth.proto', {
    includeDirs: protoIncludeDirs(),
    keepCase: true,
    enums: Number,
    longs: String,
    defaults: false,
  });
  const pkg = grpc.loadPackageDefinition(definition) as unknown as {
    envoy: { service: { auth: { v3: { Authorization: { service: grpc.ServiceDefinition } } } } };
  };
  const checks: Record<string, string>[] = [];
  const check: Check = (call, callback) => {
    const headers = call.request.attributes?.request?.http?.headers ?? {};
    checks.push(headers);
    if (headers['x-user'] !== 'alice') {
      callback(null, {
        status: { code: PERMISSION_DENIED },
        denied_response: { status: { code: 403 }, body: 'grpc says no' },
      });
      return;
    }
    callback(null, {
      status: { code: OK },
      ok_response: { headers: [{ header: { key: 'x-grpc-user', value: 'alice' } }] },
    });
  };
  const server = new grpc.Server();
  server.addService(pkg.envoy.service.auth.v3.Authorization.service, { Check: check });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, bound) =>
      err ? reject(err) : resolve(bound),
    ),
  );
  return {
    port,
    checks,
    close: () => new Promise((resolve) => server.tryShutdown(() => resolve())),
  };
}
