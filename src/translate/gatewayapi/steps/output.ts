/**
 * Step: the translation's result: the Gateways' IR in name order, every input Gateway API object
 * with the status computed for it, and when statuses must be computed again.
 */
import type { KubeObject } from '../../../resources/types.js';
import { OUTPUT_KINDS } from '../../../resources/kinds.js';
import { nextValidityChange } from './certificate-validity.js';
import type { GatewayApiTranslation, TranslationRun } from './run.js';

function withStatus<T extends KubeObject>(obj: T, status: unknown): KubeObject {
  return { apiVersion: obj.apiVersion, kind: obj.kind, metadata: obj.metadata, spec: obj.spec, status };
}

export function translationOutput(run: TranslationRun): GatewayApiTranslation {
  const { ctx, memory, resources, statuses } = run;
  const all: KubeObject[] = OUTPUT_KINDS.flatMap((k) => resources[k.field]);
  const nextCertificateChange = ctx.certificateTime && nextValidityChange(run.gateways.values(), ctx.certificateTime);
  return {
    ...(nextCertificateChange ? { nextCertificateChange } : {}),
    gateways: run.irs.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    resources: all.map((obj) => {
      if (!statuses.has(obj)) return obj;
      return memory.output(obj, statuses.get(obj), withStatus);
    }),
  };
}
