/**
 * `portico <command>`: dispatches to one module per subcommand.
 */
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from './command.js';
import type { CliIo, CommandSpec } from './command.js';
import { packageInfo } from '../package-json.js';

/**
 * A subcommand, loaded when it runs: `portico translate` does not load the serve stack (gRPC, the
 * Kubernetes client), so it starts in the time its own modules take.
 */
interface Command {
  /** One line for `portico help`. */
  summary: string;
  load(): Promise<CommandSpec>;
}

const COMMANDS: ReadonlyMap<string, Command> = new Map([
  [
    'translate',
    {
      summary: 'translate Gateway API YAML offline into Envoy xDS resources and statuses',
      load: async () => (await import('./translate-command.js')).translateCommand,
    },
  ],
  [
    'serve',
    {
      summary: 'serve a directory of Gateway API YAML to Envoy over xDS, with local Envoys',
      load: async () => (await import('./serve-command.js')).serveCommand,
    },
  ],
  [
    'bootstrap',
    {
      summary: 'print the Envoy bootstrap that connects an Envoy to Portico for a Gateway',
      load: async () => (await import('./bootstrap-command.js')).bootstrapCommand,
    },
  ],
  [
    'certgen',
    {
      summary: 'issue the mutual-TLS certificates of the xDS channel (Secrets or files)',
      load: async () => (await import('./certgen-command.js')).certgenCommand,
    },
  ],
]);

const USAGE = `Usage: portico <command> [options]

Commands:
${[...COMMANDS].map(([name, command]) => `  ${name.padEnd(12)}${command.summary}`).join('\n')}
  ${'help'.padEnd(12)}show this help, or a command's: portico help <command>

Options:
  --version   print Portico's version
`;

const processIo: CliIo = { stdout: process.stdout, stderr: process.stderr };

export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const [command, ...args] = argv;
  if (command === 'help' || command === '--help' || command === '-h') return help(args, io);
  if (command === '--version' || command === 'version') {
    io.stdout.write(`portico ${packageInfo().version}\n`);
    return EXIT_OK;
  }
  if (command === undefined) {
    io.stderr.write(USAGE);
    return EXIT_USAGE;
  }
  const found = COMMANDS.get(command);
  if (!found) return unknownCommand(command, io);
  try {
    return await (await found.load()).run(args, io);
  } catch (err) {
    // Commands report expected failures themselves; anything reaching here is a bug in Portico.
    io.stderr.write(
      `portico ${command}: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    return EXIT_FAILURE;
  }
}

async function help(args: string[], io: CliIo): Promise<number> {
  const [topic] = args;
  if (topic === undefined) {
    io.stdout.write(USAGE);
    return EXIT_OK;
  }
  const found = COMMANDS.get(topic);
  if (!found) return unknownCommand(topic, io);
  io.stdout.write((await found.load()).usage);
  return EXIT_OK;
}

function unknownCommand(name: string, io: CliIo): number {
  io.stderr.write(`portico: unknown command "${name}"\n\n${USAGE}`);
  return EXIT_USAGE;
}
