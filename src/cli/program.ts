// Builds the `stocksync` command and runs it: parsing, the commands, and the mapping of
// every failure to `error CODE: message` on stderr plus an exit code (exit-codes.ts).

import { Command, CommanderError, Option } from 'commander';
import { commands } from './commands/index.js';
import { DEFAULT_CONFIG } from './context.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import { ExitWith, reportError } from './report.js';

export function buildProgram(): Command {
  const program = new Command('stocksync')
    .description('keeps sellable inventory accurate on every sales channel at once')
    .addOption(new Option('--config <file>', 'config file').env('STOCKSYNC_CONFIG').default(DEFAULT_CONFIG))
    .showHelpAfterError('(run "stocksync --help" for usage)')
    .exitOverride() // errors come back to run() instead of exiting inside commander
    .configureOutput({
      // Same shape as every other error: "error USAGE: unknown command 'x'".
      outputError: (text, write) => write(text.replace(/^error: /, 'error USAGE: ')),
    });
  for (const command of commands) command.register(program);
  return program;
}

/** Runs the command line (process.argv shape) and returns the exit code. */
export async function run(argv: readonly string[]): Promise<ExitCode> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv]);
    return EXIT.OK;
  } catch (err) {
    if (err instanceof ExitWith) return err.code;
    if (err instanceof CommanderError) return commanderExit(err);
    return reportError(err);
  }
}

// Commander already printed its message (or the help); only the exit code is ours.
function commanderExit(err: CommanderError): ExitCode {
  switch (err.code) {
    case 'commander.helpDisplayed':
    case 'commander.version':
      return EXIT.OK;
    case 'commander.executeSubCommandAsync':
      return err.exitCode === 0 ? EXIT.OK : EXIT.FAILURE;
    default:
      return EXIT.USAGE; // unknown command or option, bad or missing argument, bare group
  }
}
