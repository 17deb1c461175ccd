/**
 * What every subcommand shares. Commands return an exit code instead of calling `process.exit`,
 * so output is flushed before the process ends and tests can drive them in-process.
 */

/** Where a command writes: `process.stdout`/`process.stderr` in production, buffers in tests. */
export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

export const EXIT_OK = 0;
/** The command could not do its job: unreadable or invalid input. */
export const EXIT_FAILURE = 1;
/** The command line itself is wrong. */
export const EXIT_USAGE = 2;

export interface CommandSpec {
  /** Full text for `portico help <command>` and `portico <command> --help`. */
  usage: string;
  run(args: string[], io: CliIo): number | Promise<number>;
}

/** Says what is wrong with a command line, followed by the command's usage; returns EXIT_USAGE. */
export function printUsageError(command: string, usage: string, message: string, io: CliIo): number {
  io.stderr.write(`portico ${command}: ${message}\n\n${usage}`);
  return EXIT_USAGE;
}
