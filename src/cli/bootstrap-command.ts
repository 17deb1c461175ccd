/**
 * `portico bootstrap --gateway NS/NAME`: prints the Envoy bootstrap that connects an Envoy to
 * Portico for one Gateway (the same one `portico serve` gives the Envoys it launches).
 */
import { errorMessage } from '../shared/error-message.js';
import { stringify } from 'yaml';
import {
  bootstrapJson,
  buildBootstrap,
  DEFAULT_ADMIN_PORT,
  DEFAULT_XDS_ADDRESS,
  parseGatewayKey,
  parseHostPort,
} from '../infra/bootstrap.js';
import { STATS_PORT_OFFSET } from '../infra/host/envoy-launcher.js';
import { EXIT_OK } from './command.js';
import { CommandLine } from './command-line.js';
import type { CliIo, CommandSpec } from './command.js';

const BOOTSTRAP_USAGE = `Usage: portico bootstrap --gateway NAMESPACE/NAME [--xds-address HOST:PORT] [--admin-port PORT]
                         [--stats-address HOST:PORT|none] [--node-id ID] [--delta] [-o json|yaml]

Prints an Envoy bootstrap for one Gateway: node.cluster is NAMESPACE/NAME (the snapshot Envoy
gets), listeners and clusters come over ADS from Portico, admin listens on 127.0.0.1.
  envoy -c <(portico bootstrap --gateway default/public) is all an Envoy needs.

Options:
      --gateway NS/NAME      the Gateway this Envoy serves (required)
      --xds-address ADDR     Portico's xDS server (default ${DEFAULT_XDS_ADDRESS})
      --admin-port PORT      Envoy admin port on 127.0.0.1 (default ${DEFAULT_ADMIN_PORT})
      --stats-address ADDR   Prometheus stats (/stats/prometheus only) on their own listener
                             (default 127.0.0.1:<admin port + ${STATS_PORT_OFFSET}>, as portico serve; none: no listener)
      --node-id ID           node.id (default <ns>/<name>/<hostname>-<pid>); unique per Envoy
      --delta                use delta ADS instead of state-of-the-world
  -o, --output FORMAT        json (default) or yaml
  -h, --help                 show this help
`;

export const bootstrapCommand: CommandSpec = {
  usage: BOOTSTRAP_USAGE,
  run: runBootstrapCommand,
};

export function runBootstrapCommand(args: string[], io: CliIo): number {
  const cli = new CommandLine('bootstrap', BOOTSTRAP_USAGE, io);
  const values = cli.flags(args, {
    gateway: { type: 'string' },
    'xds-address': { type: 'string', default: DEFAULT_XDS_ADDRESS },
    'admin-port': { type: 'string', default: String(DEFAULT_ADMIN_PORT) },
    'stats-address': { type: 'string' },
    'node-id': { type: 'string' },
    delta: { type: 'boolean', default: false },
    output: { type: 'string', short: 'o', default: 'json' },
  });
  if (typeof values === 'number') return values;
  if (!values.gateway) return cli.fail('--gateway NAMESPACE/NAME is required');
  if (values.output !== 'json' && values.output !== 'yaml') {
    return cli.fail(`-o must be json or yaml, not "${values.output}"`);
  }
  const adminPort = Number(values['admin-port']);
  if (!Number.isInteger(adminPort) || adminPort < 1 || adminPort > 65535) {
    return cli.fail(`--admin-port must be a port number, not "${values['admin-port']}"`);
  }
  let bootstrap;
  try {
    bootstrap = buildBootstrap({
      gateway: parseGatewayKey(values.gateway),
      xds: parseHostPort(values['xds-address'], '--xds-address'),
      adminPort,
      ...(values['stats-address'] === 'none'
        ? {}
        : {
            stats: values['stats-address']
              ? parseHostPort(values['stats-address'], '--stats-address')
              : { host: '127.0.0.1', port: adminPort + STATS_PORT_OFFSET },
          }),
      ...(values['node-id'] ? { nodeId: values['node-id'] } : {}),
      protocol: values.delta ? 'delta' : 'sotw',
    });
  } catch (err) {
    return cli.fail(errorMessage(err));
  }
  const json = bootstrapJson(bootstrap);
  io.stdout.write(values.output === 'yaml' ? stringify(json, { lineWidth: 0 }) : `${JSON.stringify(json, null, 2)}\n`);
  return EXIT_OK;
}
