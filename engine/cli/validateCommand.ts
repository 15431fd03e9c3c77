/**
 * `iwl validate FILE...`: checks experiment files. Prints one line per problem on stderr as
 * `FILE:LINE:COL: error CODE: message` (1-based; `warning` for warnings) and exits 0 when every
 * file is valid (warnings allowed), 2 otherwise. Unreadable, empty, binary and non-UTF-8 files
 * are problems like any other: a line each, never a stack trace.
 */
import { nodeValidationHost } from '../experiment/validationHost';
import { CliCommand, CliIo, ExitCode, parseArgs } from './io';
import { formatDiagnostic, validateFile } from './experimentFile';
import { sweepEstimateText } from '../experiment/estimate';
import { formatDuration } from '../contract/durations';

const usage = `Usage: iwl validate FILE...

Checks experiment files (*.iwl.yaml, *.iwl.yml, *.iwl.json) without running them.
Prints each problem on stderr as FILE:LINE:COL: error CODE: message (or warning).
A file with a sweep also gets a line with its job count and rough time and memory estimates.
Exit status: 0 when every file is valid (warnings allowed), 2 otherwise.`;

export const validateCommand: CliCommand = {
  name: 'validate',
  summary: 'check experiment files (exit 0 valid, 2 invalid)',
  usage,
  async run(args: string[], io: CliIo): Promise<number> {
    const { positional, unknown } = parseArgs(args, {});
    if (unknown.length > 0 || positional.length === 0) {
      io.stderr.write(`${unknown.length ? `iwl validate: ${unknown.join('; ')}\n\n` : ''}${usage}\n`);
      return ExitCode.invalid;
    }
    const host = nodeValidationHost();
    let allValid = true;
    for (const file of positional) {
      const { diagnostics, experiment } = validateFile(file, io.cwd, host);
      const models = experiment?.models.length ?? 0;
      for (const d of diagnostics) io.stderr.write(formatDiagnostic(file, d) + '\n');
      const errors = diagnostics.filter((d) => d.severity === 'error').length;
      if (errors > 0) {
        allValid = false;
        continue;
      }
      const warnings = diagnostics.length;
      io.stdout.write(`${file}: valid (${models} model${models === 1 ? '' : 's'}${warnings ? `, ${warnings} warning${warnings === 1 ? '' : 's'}` : ''})\n`);
      const sweep = experiment ? sweepEstimateText(experiment, formatDuration) : null;
      if (sweep) io.stdout.write(`${file}: sweep: ${sweep}\n`);
    }
    return allValid ? ExitCode.ok : ExitCode.invalid;
  },
};
