/**
 * Turns one Gateway's translated xDS (proto JSON, as `portico translate` prints it) into a static
 * Envoy bootstrap, so that `envoy --mode validate` checks every resource with Envoy's own config
 * validation: RDS becomes an inline route_config, EDS clusters become STATIC with their
 * ClusterLoadAssignment inline, SDS secret references point to static secrets. Nothing else changes.
 */
import { ENVOY_RUNTIME, bootstrapJson } from '../../src/infra/bootstrap.js';

type Json = Record<string, unknown>;

function withoutType(resource: unknown): Json {
  const { ['@type']: _type, ...rest } = resource as Json;
  return rest;
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Visits every object in a JSON tree. */
function walk(node: unknown, visit: (obj: Json) => void): void {
  if (Array.isArray(node)) node.forEach((n) => walk(n, visit));
  else if (isObject(node)) {
    visit(node);
    Object.values(node).forEach((v) => walk(v, visit));
  }
}

export interface GatewayXdsJson {
  listeners: unknown[];
  routes: unknown[];
  clusters: unknown[];
  endpoints: unknown[];
  secrets: unknown[];
}

export function staticBootstrap(xds: GatewayXdsJson): Json {
  const routes = new Map(xds.routes.map((r) => [(r as Json).name as string, withoutType(r)]));
  const endpoints = new Map(xds.endpoints.map((e) => [(e as Json).cluster_name as string, withoutType(e)]));
  const listeners = xds.listeners.map((l) => {
    const listener = structuredClone(withoutType(l));
    walk(listener, (obj) => {
      const rds = obj.rds as Json | undefined;
      if (rds && typeof rds.route_config_name === 'string') {
        const config = routes.get(rds.route_config_name);
        if (!config) throw new Error(`listener refers to missing route configuration ${rds.route_config_name}`);
        delete obj.rds;
        obj.route_config = config;
      }
      if (Array.isArray(obj.tls_certificate_sds_secret_configs)) {
        for (const ref of obj.tls_certificate_sds_secret_configs as Json[]) delete ref.sds_config;
      }
    });
    return listener;
  });
  const clusters = xds.clusters.map((c) => {
    const cluster = structuredClone(withoutType(c));
    // A client certificate for TLS to the backend (spec.tls.backend) is an SDS reference too.
    walk(cluster, (obj) => {
      if (Array.isArray(obj.tls_certificate_sds_secret_configs)) {
        for (const ref of obj.tls_certificate_sds_secret_configs as Json[]) delete ref.sds_config;
      }
    });
    if (cluster.type === 'EDS') {
      // A policy's copy of a cluster names the assignment it shares with it (service_name).
      const eds = cluster.eds_cluster_config as { service_name?: string } | undefined;
      const assignment = endpoints.get(eds?.service_name ?? (cluster.name as string));
      if (!assignment) throw new Error(`EDS cluster ${String(cluster.name)} has no ClusterLoadAssignment`);
      delete cluster.eds_cluster_config;
      cluster.type = 'STATIC';
      cluster.load_assignment = { ...assignment, cluster_name: cluster.name };
    }
    return cluster;
  });
  return {
    node: { id: 'validate', cluster: 'validate' },
    static_resources: { listeners, clusters, secrets: xds.secrets.map(withoutType) },
    // The runtime Portico's own Envoys get (the RE2 program size limit the translator checks against).
    layered_runtime: (bootstrapJson({ layered_runtime: ENVOY_RUNTIME }) as Json).layered_runtime,
  };
}
