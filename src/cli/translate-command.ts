/**
 * `portico translate`: the whole pure pipeline, offline. Reads manifests, translates them, and
 * prints the Envoy resources of every Gateway and the status of every input object.
 */
import { LoadError, loadYamlFiles, rejectionMessages } from '../resources/load-yaml.js';
import { collectResourceSet } from '../resources/resource-set.js';
import { translate, type TranslateOptions } from '../translate/index.js';
import { EXIT_FAILURE, EXIT_OK } from './command.js';
import { CommandLine, readFlags } from './command-line.js';
import { parseHostPort } from '../infra/bootstrap.js';
import type { CliIo, CommandSpec } from './command.js';
import { buildTranslationDocument, formatTranslationDocument, REDACTED } from '../translate/translation-document.js';
import type { OutputFormat } from '../translate/translation-document.js';

const TRANSLATE_USAGE = `Usage: portico translate -f FILE|DIR [-f FILE|DIR ...] [-o yaml|json] [--show-secrets] [--shared-address]

Translates Gateway API resources offline and prints one document:
  xds:        the Envoy resources of every Gateway, keyed by <namespace>/<name>
              (listeners, routes, clusters, endpoints, secrets; proto JSON with @type)
  resources:  every input Gateway API object with its computed status

Options:
  -f, --file FILE|DIR   manifests to read (repeatable); a directory means its *.yaml and
                        *.yml files, in name order
  -o, --output FORMAT   yaml (default) or json
      --show-secrets    print TLS private keys, credentials and generic secrets instead of "${REDACTED}"
      --shared-address  translate as \`serve --provider file\` does: every Gateway's listeners
                        bind one address, so a port two Gateways ask for belongs to the older one
      --rate-limit-service HOST:PORT
                        the rate limit service Envoys ask about Global rate limits (without it,
                        a BackendTrafficPolicy with a Global rate limit is not accepted)
      --rate-limit-fail-closed
                        refuse requests (500) when the rate limit service does not answer
  -h, --help            show this help

Gateway API objects are checked against their CRDs as the API server would check them (unknown
fields, schema, CEL rules; defaults applied). One it would refuse is reported on stderr with its
file and line, left out of the translation, and the exit status is 1.
`;

const OUTPUT_FORMATS: readonly OutputFormat[] = ['yaml', 'json'];

export const translateCommand: CommandSpec = {
  usage: TRANSLATE_USAGE,
  run: runTranslateCommand,
};

const TRANSLATE_OPTIONS = {
  file: { type: 'string', short: 'f', multiple: true },
  output: { type: 'string', short: 'o', default: 'yaml' },
  'show-secrets': { type: 'boolean', default: false },
  'shared-address': { type: 'boolean', default: false },
  'rate-limit-service': { type: 'string' },
  'rate-limit-fail-closed': { type: 'boolean', default: false },
} as const;

/**
 * The translation options the flags among `args` ask for (golden cases name theirs in a
 * `# translate:` line, so that they are translated as `portico translate` would). Throws on an
 * unknown flag.
 */
export function translationOptionsOf(args: string[]): TranslateOptions {
  const read = readFlags(args, TRANSLATE_OPTIONS);
  if ('error' in read) throw new Error(read.error);
  if (!('flags' in read)) return {};
  const service = read.flags['rate-limit-service'];
  return {
    ...(read.flags['shared-address'] ? { sharedAddress: true } : {}),
    ...(service !== undefined
      ? {
          rateLimitService: {
            address: parseHostPort(service, '--rate-limit-service'),
            failClosed: read.flags['rate-limit-fail-closed'] === true,
          },
        }
      : {}),
  };
}

export function runTranslateCommand(args: string[], io: CliIo): number {
  const cli = new CommandLine('translate', TRANSLATE_USAGE, io);
  const values = cli.flags(args, TRANSLATE_OPTIONS);
  if (typeof values === 'number') return values;
  const files = values.file ?? [];
  if (files.length === 0) return cli.fail('at least one -f FILE|DIR is required');
  const format = OUTPUT_FORMATS.find((f) => f === values.output);
  if (!format) return cli.fail(`-o must be yaml or json, not "${values.output}"`);

  let loaded;
  try {
    loaded = loadYamlFiles(files);
  } catch (err) {
    if (!(err instanceof LoadError)) throw err;
    io.stderr.write(`portico translate: ${err.message}\n`);
    return EXIT_FAILURE;
  }
  const { resources, warnings } = collectResourceSet(loaded.objects);
  for (const warning of [...loaded.warnings, ...warnings]) io.stderr.write(`warning: ${warning}\n`);
  // Objects the API server would refuse are left out, as `portico serve` leaves them out; the rest
  // is still translated, and the exit status says that not everything was.
  for (const rejected of loaded.rejected) {
    for (const message of rejectionMessages(rejected)) io.stderr.write(`portico translate: ${message}\n`);
  }

  // Certificates are checked against today's date; condition times stay at the epoch (stable output).
  const certificateTime = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  const document = buildTranslationDocument(translate(resources, { ...translationOptionsOf(args), certificateTime }), {
    showSecrets: values['show-secrets'],
  });
  io.stdout.write(formatTranslationDocument(document, format));
  return loaded.rejected.length > 0 ? EXIT_FAILURE : EXIT_OK;
}
