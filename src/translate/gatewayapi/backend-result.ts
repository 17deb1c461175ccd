/**
 * What resolving a backendRef gives, whatever the backend's kind (Service in `backends.ts`,
 * XBackend in `xbackend.ts`), and what a route speaks to it.
 */
import type { IrCluster, IrSessionPersistence } from '../../ir/types.js';

export type BackendFailureReason = 'InvalidKind' | 'RefNotPermitted' | 'BackendNotFound' | 'UnsupportedProtocol';

export type BackendResult =
  | {
      ok: true;
      cluster: IrCluster;
      websocket: boolean;
      /** The backend's own session persistence (an XBackend's `sessionPersistence`). */
      session?: IrSessionPersistence;
    }
  | {
      ok: false;
      reason: BackendFailureReason;
      message: string;
      /**
       * The reference itself resolves, so the route's status does not report it; the backend is
       * unusable for another reason (its BackendTLSPolicy, which reports it) and its share fails.
       */
      quiet?: boolean;
    };

/**
 * What a route speaks to its backends: HTTP (HTTPRoute), gRPC, which is HTTP/2 (GRPCRoute), or
 * the connection's bytes as they come (TLSRoute, TCPRoute).
 */
export type RouteProtocol = 'http' | 'grpc' | 'tcp' | 'udp';
