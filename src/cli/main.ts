/**
 * `portico <command>`: dispatches to one module per subcommand.
 */
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from './command.js';
import type { CliIo, CommandSpec } from './command.js';
import { bootstrapCommand } from './bootstrap-command.js';
import { certgenCommand } from './certgen-command.js';
import { serveCommand } from './serve-command.js';
import { translateCommand } from './translate-command.js';
import { packageInfo } from '../package-json.js';

const COMMANDS: ReadonlyMap<string, CommandSpec> = new Map([
  ['translate', translateCommand],
  ['serve', serveCommand],
  ['bootstrap', bootstrapCommand],
  ['certgen', certgenCommand],
]);

const USAGE = `Usage: portico <command> [options]

Commands:
${[...COMMANDS].map(([name, spec]) => `  ${name.padEnd(12)}${spec.summary}`).join('\n')}
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
  const spec = COMMANDS.get(command);
  if (!spec) return unknownCommand(command, io);
  try {
    return await spec.run(args, io);
  } catch (err) {
    // Commands report expected failures themselves; anything reaching here is a bug in Portico.
    io.stderr.write(
      `portico ${command}: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    return EXIT_FAILURE;
  }
}

function help(args: string[], io: CliIo): number {
  const [topic] = args;
  if (topic === undefined) {
    io.stdout.write(USAGE);
    return EXIT_OK;
  }
  const spec = COMMANDS.get(topic);
  if (!spec) return unknownCommand(topic, io);
  io.stdout.write(spec.usage);
  return EXIT_OK;
}

function unknownCommand(name: string, io: CliIo): number {
  io.stderr.write(`portico: unknown command "${name}"\n\n${USAGE}`);
  return EXIT_USAGE;
}
