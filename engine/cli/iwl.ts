/**
 * `iwl`: the engine, headless. Dispatches to one command module per verb and turns every
 * failure into a one-line message and an exit code (never a stack trace, unless IWL_DEBUG=1).
 */
import { IwlError } from '../util/iwlError';
import { errorMessage } from '../contract/errors';
import { CliCommand, CliIo, ExitCode } from './io';
import { validateCommand } from './validateCommand';
import { kernelCommand } from './kernelCommand';
import { schemaCommand } from './schemaCommand';
import { backendsCommand } from './backendsCommand';
import { runCommand } from './runCommand';
import { tableCommand } from './tableCommand';
import { mergeCommand } from './mergeCommand';
import { slurmCommand } from './slurmCommand';
import { version } from '../version';

const commands: CliCommand[] = [runCommand, mergeCommand, slurmCommand, validateCommand, tableCommand, kernelCommand, schemaCommand, backendsCommand];

function help(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    `iwl ${version}: Infinite Width Lab, headless`,
    '',
    'Usage: iwl <command> [options]',
    '',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `iwl <command> --help` for a command\'s options.',
  ].join('\n');
}

export async function main(argv: string[], io: CliIo): Promise<number> {
  const [verb, ...rest] = argv;
  if (verb === undefined || verb === '--help' || verb === '-h' || verb === 'help') {
    io.stdout.write(help() + '\n');
    return verb === undefined ? ExitCode.invalid : ExitCode.ok;
  }
  if (verb === '--version' || verb === '-v') {
    io.stdout.write(version + '\n');
    return ExitCode.ok;
  }
  const command = commands.find((c) => c.name === verb);
  if (!command) {
    io.stderr.write(`iwl: unknown command '${verb}'\n\n${help()}\n`);
    return ExitCode.invalid;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(command.usage + '\n');
    return ExitCode.ok;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (process.env.IWL_DEBUG) io.stderr.write(`${(error as Error)?.stack ?? error}\n`);
    const code = error instanceof IwlError ? ` ${error.code}` : '';
    io.stderr.write(`iwl ${command.name}: error${code}: ${errorMessage(error)}\n`);
    return ExitCode.failed;
  }
}

/** Runs `iwl` on this process's arguments and sets its exit code. */
export function cli(): void {
  main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd() }).then(
    (code) => {
      process.exitCode = code;
    },
    (error) => {
      process.stderr.write(`iwl: error: ${errorMessage(error)}\n`);
      process.exitCode = ExitCode.failed;
    },
  );
}

if (require.main === module) cli();
