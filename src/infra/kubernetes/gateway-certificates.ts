/**
 * Each Gateway's xDS client certificate Secret in a provisioning pass: the existing certificate
 * while it is good, a new one otherwise, and its `ca.crt` the CAs trusted now.
 */
import type { KubeObject } from '../../resources/types.js';
import { errorMessage } from '../../shared/error-message.js';
import type { Logger } from '../../shared/logger.js';
import { sameBundle } from './ca-bundle.js';
import { caTrust, issueGatewayCertificate, whyReissue, withTrust } from './certs.js';
import type { TlsBundle, XdsCa } from './certs.js';
import { kindPath } from './provisioned-objects.js';
import type { ProvisionedObjects, ReconcileResult } from './provisioned-objects.js';
import { gatewayCertificateSecret, gatewayCertificateSecretName } from './resources.js';

/** The CA of the pass and the certificates the Gateways' Secrets hold (by `<namespace>/<secret>`). */
export interface CertificateSource {
  ca: XdsCa;
  existing: Map<string, Partial<TlsBundle>>;
}

/** The CA and the certificate Secrets that exist, read once per pass. */
export async function readCertificateSource(
  xdsCa: (() => XdsCa) | undefined,
  objects: ProvisionedObjects,
  result: ReconcileResult,
): Promise<CertificateSource | undefined> {
  if (!xdsCa) {
    result.errors.push("no CA to issue the Gateways' xDS client certificates: start Portico with --xds-ca-dir");
    return undefined;
  }
  let ca: XdsCa;
  let items: KubeObject[];
  try {
    ca = xdsCa();
    items = await objects.listManaged(kindPath('Secret'));
  } catch (err) {
    result.errors.push(`xDS client certificates: ${errorMessage(err)}`);
    return undefined;
  }
  const existing = new Map<string, Partial<TlsBundle>>();
  for (const item of items) {
    const data = (item as { data?: Record<string, string> }).data ?? {};
    const decode = (f: keyof TlsBundle): string | undefined =>
      typeof data[f] === 'string' ? Buffer.from(data[f], 'base64').toString('utf8') : undefined;
    existing.set(`${item.metadata.namespace ?? 'default'}/${item.metadata.name}`, {
      ...(decode('ca.crt') !== undefined ? { 'ca.crt': decode('ca.crt')! } : {}),
      ...(decode('tls.crt') !== undefined ? { 'tls.crt': decode('tls.crt')! } : {}),
      ...(decode('tls.key') !== undefined ? { 'tls.key': decode('tls.key')! } : {}),
    });
  }
  return { ca, existing };
}

/**
 * The Gateway's certificate Secret: the existing certificate while it is good (signed by the
 * current CA, naming this Gateway, not due for renewal), a newly issued one otherwise; its
 * `ca.crt` the CAs trusted now (old and new during a rotation).
 */
export async function certificateSecret(
  gateway: KubeObject,
  source: CertificateSource,
  result: ReconcileResult,
  now: Date,
  logger: Logger,
): Promise<KubeObject | undefined> {
  const namespace = gateway.metadata.namespace ?? 'default';
  const key = `${namespace}/${gateway.metadata.name}`;
  const current = source.existing.get(`${namespace}/${gatewayCertificateSecretName(gateway.metadata.name)}`);
  const why = whyReissue(current, source.ca, key, now);
  let bundle: TlsBundle;
  if (why === undefined) {
    bundle = withTrust(current as TlsBundle, source.ca);
    if (!sameBundle(current?.['ca.crt'] ?? '', caTrust(source.ca))) {
      logger.info('updated the CAs the Envoys of a Gateway trust', { gateway: key });
    }
  } else {
    try {
      bundle = await issueGatewayCertificate(source.ca, key);
    } catch (err) {
      result.errors.push(`issue the xDS client certificate of Gateway ${key}: ${errorMessage(err)}`);
      return undefined;
    }
    if (why !== 'missing') logger.info('renewed the xDS client certificate of a Gateway', { gateway: key, why });
  }
  try {
    return gatewayCertificateSecret(gateway, bundle);
  } catch (err) {
    result.errors.push(`Gateway ${key}: ${errorMessage(err)}`);
    return undefined;
  }
}
