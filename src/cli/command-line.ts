/**
 * Reading a command's flags, the same way for every command: the options it declares plus
 * `-h/--help`, no positionals, an unknown or malformed flag reported as `portico <command>: <what>`
 * followed by the command's usage (exit 2), and `--help` printing the usage (exit 0).
 */
import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';
import { errorMessage } from '../shared/error-message.js';
import { EXIT_OK, printUsageError } from './command.js';
import type { CliIo } from './command.js';

type OptionsConfig = NonNullable<ParseArgsConfig['options']>;

const HELP = { help: { type: 'boolean', short: 'h', default: false } } as const;

type Config<O extends OptionsConfig> = {
  args: string[];
  options: O & typeof HELP;
  strict: true;
  allowPositionals: false;
};

/** The values of the flags `options` declares (and `help`), typed from the declaration. */
export type Flags<O extends OptionsConfig> = ReturnType<typeof parseArgs<Config<O>>>['values'];

/** `args` read against `options`: the flags, a request for help, or what is wrong with them. */
export function readFlags<const O extends OptionsConfig>(
  args: string[],
  options: O,
): { flags: Flags<O> } | { help: true } | { error: string } {
  let flags: Flags<O>;
  try {
    ({ values: flags } = parseArgs<Config<O>>({
      args,
      options: { ...options, ...HELP },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    return { error: errorMessage(err) };
  }
  return (flags as { help?: boolean }).help ? { help: true } : { flags };
}

/** One run of a command: its name and usage, and where it writes. */
export class CommandLine {
  constructor(
    private readonly name: string,
    private readonly usage: string,
    private readonly io: CliIo,
  ) {}

  /** The flags; or, for `--help` or a bad flag, the exit status once the usage is printed. */
  flags<const O extends OptionsConfig>(args: string[], options: O): Flags<O> | number {
    const read = readFlags(args, options);
    if ('help' in read) return this.help();
    if ('error' in read) return this.fail(read.error);
    return read.flags;
  }

  help(): number {
    this.io.stdout.write(this.usage);
    return EXIT_OK;
  }

  /** Says what is wrong with the command line, then the usage; returns EXIT_USAGE. */
  fail(message: string): number {
    return printUsageError(this.name, this.usage, message, this.io);
  }
}
