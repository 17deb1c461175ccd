/**
 * The values and functions of the Kubernetes CEL libraries that the CRDs' rules call, besides
 * `isIP` and `isCIDR` (src/shared/cidr.ts): `format.<name>().validate(s)` and
 * `quantity(s).compareTo(q)`, as the API server evaluates them.
 */
import { quantityValue } from '../shared/quantity.js';

/** A value of the Kubernetes CEL `format` library: `format.dns1123Label()` and friends. */
export class NamedFormat {
  constructor(readonly name: string) {}
}

/** A value of the Kubernetes CEL `quantity` library: `quantity('256Mi').compareTo(quantity('1Gi'))`. */
export class Quantity {
  constructor(readonly value: number) {}
}

export function quantityOf(text: string): Quantity {
  const negative = text.startsWith('-');
  const value = quantityValue(negative ? text.slice(1) : text);
  if (value === undefined)
    throw new Error(`quantities must match the regular expression of Kubernetes quantities: ${text}`);
  return new Quantity(negative ? -value : value);
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** `format.<name>().validate(s)`: null when valid, else the reasons (wrapped in an optional by `validate`). */
export function validateFormat(format: NamedFormat, value: string): string[] | null {
  switch (format.name) {
    case 'dns1123Label':
      if (value.length > 63) return ['must be no more than 63 characters'];
      return DNS1123_LABEL.test(value)
        ? null
        : [
            "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character",
          ];
    case 'dns1123Subdomain':
      if (value.length > 253) return ['must be no more than 253 characters'];
      return DNS1123_SUBDOMAIN.test(value)
        ? null
        : [
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
          ];
    case 'qualifiedName':
      return qualifiedNameProblems(value);
    default:
      throw new Error(`format.${format.name}() is not supported`);
  }
}

const QUALIFIED_NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

/** Kubernetes' IsQualifiedName (label keys): an optional DNS subdomain prefix and `/`, then a name of up to 63 characters. */
function qualifiedNameProblems(value: string): string[] | null {
  const parts = value.split('/');
  if (parts.length > 2) return ["a qualified name must have at most one '/'"];
  const [prefix, name] = parts.length === 2 ? parts : [undefined, parts[0]!];
  const problems: string[] = [];
  if (prefix !== undefined) {
    if (prefix === '') problems.push('prefix part must be non-empty');
    else if (prefix.length > 253 || !DNS1123_SUBDOMAIN.test(prefix))
      problems.push('prefix part must be a lowercase RFC 1123 subdomain of at most 253 characters');
  }
  if (name === undefined || name === '') problems.push('name part must be non-empty');
  else if (name.length > 63) problems.push('name part must be no more than 63 characters');
  else if (!QUALIFIED_NAME_PART.test(name))
    problems.push(
      "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
    );
  return problems.length > 0 ? problems : null;
}
