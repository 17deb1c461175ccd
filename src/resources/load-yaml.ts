/**
 * Reads Kubernetes manifests (multi-document YAML, as `kubectl apply -f` takes them) into
 * KubeObjects. Anything that would silently change the translation — broken YAML, a kind Portico
 * does not know, an object without a name — is an error that points at the file, the document and
 * the line, because a user debugging a translation needs to find the offending object fast.
 *
 * Gateway API objects are then checked as the API server checks them on create, against their
 * CRD (`src/schema`), and given the schema's defaults. An object the API server would refuse is
 * not an error of the whole file: it is returned in `rejected`, with each of the API server's
 * messages and the line of the field it names, and the rest of the file is read as usual.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isMap, isNode, isPair, isScalar, isSeq, LineCounter, parseAllDocuments, visit } from 'yaml';
import type { Document, Node as YamlNode } from 'yaml';
import type { KubeObject } from './types.js';
import { apiVersionsOf, isGatewayApiVersion, KIND_BY_NAME } from './kinds.js';
import { gatewayApiValidator } from '../schema/validator.js';
import { KUBECTL_YAML_OPTIONS, nonFiniteNumbers } from './kubectl-yaml.js';
import type { DataPath } from '../schema/field-errors.js';
import { errorMessage } from '../shared/error-message.js';
import { quickDocuments } from './quick-yaml.js';
import { isPlainObject } from '../shared/plain-object.js';

export class LoadError extends Error {
  override readonly name = 'LoadError';

  constructor(
    readonly file: string,
    /** 1-based index of the YAML document in the file; undefined when the file itself could not be read. */
    readonly document: number | undefined,
    /** 1-based line in the file. */
    readonly line: number | undefined,
    /** What is wrong, without the location. */
    readonly reason: string,
  ) {
    super(`${formatLocation(file, document, line)}: ${reason}`);
  }
}

export interface LoadedObjects {
  objects: KubeObject[];
  /** Objects that were read but are ignored (kinds not supported yet), one message each. */
  warnings: string[];
  /** Objects the API server would refuse: not in `objects`. */
  rejected: RejectedObject[];
}

/** An object the API server would refuse, and why (each message as the API server words it). */
export interface RejectedObject {
  kind: string;
  name: string;
  namespace?: string;
  file: string;
  document: number;
  problems: { line?: number; message: string }[];
}

/** One line per problem: `<file>: document <n>, line <l>: <Kind> <ns>/<name>: <API server message>`. */
export function rejectionMessages(rejected: RejectedObject): string[] {
  return rejected.problems.map(
    (p) => `${formatLocation(rejected.file, rejected.document, p.line)}: ${rejectionReason(rejected, p.message)}`,
  );
}

/** A problem without its location: `<Kind> <ns>/<name>: <API server message>`. */
export function rejectionReason(rejected: RejectedObject, message: string): string {
  return `${rejected.kind} ${rejected.namespace ? `${rejected.namespace}/` : ''}${rejected.name}: ${message}`;
}

/**
 * Parses one file's text. `file` is only used in messages. A file of plain manifests that all
 * load is read quickly (`quick-yaml.ts`); any other file, and any file with a problem to report,
 * is read carefully, with every node's line.
 */
export function loadYaml(text: string, file: string): LoadedObjects {
  return quickLoad(text, file) ?? carefulLoad(text, file);
}

/** The objects of a file of plain manifests that all load, with nothing to say; otherwise undefined. */
function quickLoad(text: string, file: string): LoadedObjects | undefined {
  const documents = quickDocuments(text);
  if (!documents) return undefined;
  const result: LoadedObjects = { objects: [], warnings: [], rejected: [] };
  try {
    documents.forEach((value, index) => {
      if (value === null || value === undefined) return; // empty document, or only comments
      new DocumentLoader(file, index + 1, () => 0, result).load(value, undefined);
    });
  } catch (err) {
    if (err instanceof LoadError) return undefined;
    throw err;
  }
  return result.warnings.length === 0 && result.rejected.length === 0 ? result : undefined;
}

function carefulLoad(text: string, file: string): LoadedObjects {
  const lineCounter = new LineCounter();
  // As kubectl reads it (YAML 1.1: an unquoted `on` is a boolean). prettyErrors off: the message
  // stays one line and the location is reported our way.
  const documents = parseAllDocuments(text, { ...KUBECTL_YAML_OPTIONS, lineCounter, prettyErrors: false });
  const lineAt = (offset: number): number => lineCounter.linePos(offset).line;
  const result: LoadedObjects = { objects: [], warnings: [], rejected: [] };

  documents.forEach((doc, index) => {
    const documentNumber = index + 1;
    const [firstError] = doc.errors;
    if (firstError) {
      // An unclosed quote is found where the file (or the document) ends; the mistake is where it opens.
      const opened = firstError.code === 'MISSING_CHAR' ? unclosedQuoteStart(doc, firstError.pos[0]) : undefined;
      const where = opened ?? firstError.pos[0];
      const reason = opened === undefined ? firstError.message : `${firstError.message} (the string opens here)`;
      throw new LoadError(file, documentNumber, lineAt(where), `invalid YAML: ${reason}`);
    }
    const [nonFinite] = nonFiniteNumbers(doc);
    if (nonFinite) {
      throw new LoadError(
        file,
        documentNumber,
        lineAt(nonFinite.offset),
        `invalid YAML: ${nonFinite.source} is not a number JSON can hold (kubectl refuses the file)`,
      );
    }
    let value: unknown;
    try {
      // maxAliasCount bounds alias expansion ("billion laughs") in untrusted input.
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (err) {
      const line = doc.contents ? lineAt(doc.contents.range[0]) : undefined;
      throw new LoadError(file, documentNumber, line, `invalid YAML: ${errorMessage(err)}`);
    }
    if (value === null || value === undefined) return; // empty document, or only comments
    new DocumentLoader(file, documentNumber, lineAt, result).load(value, doc.contents);
  });
  return result;
}

/** Where the quoted scalar that runs up to `end` opens (undefined if no quoted scalar does). */
function unclosedQuoteStart(doc: Document.Parsed, end: number): number | undefined {
  let start: number | undefined;
  visit(doc, {
    Scalar(_key, node) {
      const [from, , to] = node.range ?? [];
      const quoted = node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE';
      if (quoted && from !== undefined && to !== undefined && from <= end && end <= to) start = from;
    },
  });
  return start;
}

/**
 * Reads files and directories (every `*.yaml` / `*.yml` directly inside, in name order) in the
 * order given, as `kubectl apply -f` would.
 */
export function loadYamlFiles(paths: readonly string[]): LoadedObjects {
  const result: LoadedObjects = { objects: [], warnings: [], rejected: [] };
  for (const path of paths) {
    for (const file of expandPath(path, result.warnings)) {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (err) {
        throw new LoadError(file, undefined, undefined, `cannot read file: ${errorMessage(err)}`);
      }
      const loaded = loadYaml(text, file);
      result.objects.push(...loaded.objects);
      result.warnings.push(...loaded.warnings);
      result.rejected.push(...loaded.rejected);
    }
  }
  return result;
}

function expandPath(path: string, warnings: string[]): string[] {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(path).isDirectory();
  } catch (err) {
    throw new LoadError(path, undefined, undefined, `cannot read file: ${errorMessage(err)}`);
  }
  if (!isDirectory) return [path];
  const files = readdirSync(path, { withFileTypes: true })
    .filter((entry) => entry.isFile() && /\.ya?ml$/.test(entry.name))
    .map((entry) => entry.name)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)) // code-unit order: independent of locale
    .map((name) => join(path, name));
  if (files.length === 0) warnings.push(`${path}: directory has no *.yaml or *.yml files`);
  return files;
}

/** Validates one document's value, keeping the YAML nodes alongside so errors can name a line. */
class DocumentLoader {
  constructor(
    private readonly file: string,
    private readonly document: number,
    private readonly lineAt: (offset: number) => number,
    private readonly result: LoadedObjects,
  ) {}

  load(value: unknown, node: unknown): void {
    const object = this.expectMapping(value, node);
    // `kubectl get -o yaml` wraps several objects in a List; accept it so its output can be translated.
    if (object.kind === 'List' && object.apiVersion === 'v1') {
      const items = object.items ?? [];
      const itemsNode = isMap(node) ? node.get('items', true) : undefined;
      if (!Array.isArray(items)) this.fail('List items must be a sequence', itemsNode ?? node);
      items.forEach((item, i) => this.loadObject(item, isSeq(itemsNode) ? itemsNode.items[i] : itemsNode));
      return;
    }
    this.loadObject(object, node);
  }

  private loadObject(value: unknown, node: unknown): void {
    const object = this.expectMapping(value, node);
    const field = (name: string): unknown => (isMap(node) ? node.get(name, true) : undefined) ?? node;

    const { apiVersion, kind, metadata } = object;
    if (typeof apiVersion !== 'string' || apiVersion === '') this.fail('missing apiVersion', field('apiVersion'));
    if (typeof kind !== 'string' || kind === '') this.fail('missing kind', field('kind'));
    if (!isPlainObject(metadata)) this.fail('missing metadata', field('metadata'));
    const metadataNode = field('metadata');
    const metadataField = (name: string): unknown =>
      (isMap(metadataNode) ? metadataNode.get(name, true) : undefined) ?? metadataNode;
    if (typeof metadata.name !== 'string' || metadata.name === '') {
      this.fail(`${kind} has no metadata.name`, metadataField('name'));
    }
    if (metadata.namespace !== undefined && typeof metadata.namespace !== 'string') {
      this.fail(`${kind} ${metadata.name}: metadata.namespace must be a string`, metadataField('namespace'));
    }

    const supported = KIND_BY_NAME.get(kind);
    if (supported) {
      const apiVersions = apiVersionsOf(supported);
      if (!apiVersions.includes(apiVersion)) {
        this.fail(
          `${kind} ${metadata.name}: unsupported apiVersion "${apiVersion}" (expected ${apiVersions.join(' or ')})`,
          field('apiVersion'),
        );
      }
      const problems = gatewayApiValidator().validate(object);
      if (problems.length > 0) {
        this.result.rejected.push({
          kind,
          name: metadata.name,
          ...(typeof metadata.namespace === 'string' && metadata.namespace ? { namespace: metadata.namespace } : {}),
          file: this.file,
          document: this.document,
          problems: problems.map((p) => ({ line: this.lineOf(nodeAt(node, p.path)), message: p.message })),
        });
        return;
      }
      this.result.objects.push(object as unknown as KubeObject);
      return;
    }
    if (isGatewayApiVersion(apiVersion)) {
      this.result.warnings.push(
        `${this.location(field('kind'))}: ${kind} ${metadata.name} is not supported and is ignored`,
      );
      return;
    }
    this.fail(
      `unknown kind "${kind}" (apiVersion "${apiVersion}"); supported kinds: ${[...KIND_BY_NAME.keys()].join(', ')}`,
      field('kind'),
    );
  }

  private expectMapping(value: unknown, node: unknown): Record<string, unknown> {
    if (!isPlainObject(value)) {
      const got = Array.isArray(value) ? 'a sequence' : value === null ? 'null' : `a ${typeof value}`;
      this.fail(`expected a Kubernetes object (a mapping with apiVersion, kind, metadata), got ${got}`, node);
    }
    return value;
  }

  private fail(reason: string, node: unknown): never {
    throw new LoadError(this.file, this.document, this.lineOf(node), reason);
  }

  private location(node: unknown): string {
    return formatLocation(this.file, this.document, this.lineOf(node));
  }

  private lineOf(node: unknown): number | undefined {
    const range = isNode(node) ? (node as YamlNode).range : undefined;
    return range ? this.lineAt(range[0]) : undefined;
  }
}

/**
 * The YAML node a field error names: the key of the field (its line is where the field starts,
 * and for an unknown field the key is what is wrong), or the item of a list; the closest ancestor
 * present when the field is not in the file (a required field, or a default).
 */
function nodeAt(root: unknown, path: DataPath): unknown {
  let node = root;
  for (const [i, segment] of path.entries()) {
    const key = typeof segment === 'object' ? segment.mapKey : segment;
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(key));
      if (!pair) return node;
      node = i === path.length - 1 || !isNode(pair.value) ? pair.key : pair.value;
    } else if (isSeq(node) && typeof key === 'number' && node.items[key] !== undefined) {
      node = node.items[key];
    } else {
      return node;
    }
  }
  return node;
}

function formatLocation(file: string, document: number | undefined, line: number | undefined): string {
  const parts = [
    document === undefined ? undefined : `document ${document}`,
    line === undefined ? undefined : `line ${line}`,
  ];
  const where = parts.filter((part) => part !== undefined).join(', ');
  return where ? `${file}: ${where}` : file;
}
