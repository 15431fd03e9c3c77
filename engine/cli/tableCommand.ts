/**
 * `iwl table RUN_DIR [--format md|csv|json] [--per-point]`: a run folder's jobs as a table on
 * stdout, one row per job (or per model, width and sweep point with the seeds averaged) with its
 * settings and final figures; the rows and columns are engine/contract/runTable.ts's, which the
 * VS Code experiments table shows too. Exit 0; 2 for bad arguments or a folder that is not a run.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readRunSummary, summaryFileName } from '../contract/records';
import { formatTable, runTable, type TableFormat } from '../contract/runTable';
import { errorMessage } from '../contract/errors';
import { CliCommand, ExitCode, parseArgs } from './io';

const usage = `Usage: iwl table RUN_DIR [--format md|csv|json] [--per-point]

Prints the jobs of the run in RUN_DIR (the --out folder of iwl run) as a table: one row per job
with its settings (model, kind, optimizer, width, seed, the value of each swept setting) and its
final figures (losses, accuracies, validation figures, gap to the limit). A run with a validation
split and select has a best column: true on each model's best point (summary.json's best).
--per-point   one row per model, width and sweep point, the seeds averaged
--format      md (Markdown, the default), csv or json`;

const formats: TableFormat[] = ['md', 'csv', 'json'];

export const tableCommand: CliCommand = {
  name: 'table',
  summary: 'print a run\'s jobs and final figures as a table (md, csv, json)',
  usage,
  async run(args, io) {
    const parsed = parseArgs(args, { values: ['format'], switches: ['per-point'] });
    const problems = [...parsed.unknown];
    if (parsed.positional.length !== 1) problems.push('expected exactly one RUN_DIR');
    const format = (parsed.values.get('format') ?? 'md') as TableFormat;
    if (!formats.includes(format)) problems.push(`--format must be one of ${formats.join(', ')}; got '${format}'`);
    if (problems.length) {
      io.stderr.write(problems.map((p) => `iwl table: ${p}`).join('\n') + `\n\n${usage}\n`);
      return ExitCode.invalid;
    }
    const file = join(resolve(io.cwd, parsed.positional[0]), summaryFileName);
    let summary;
    try {
      summary = readRunSummary(JSON.parse(readFileSync(file, 'utf8')), file);
    } catch (error) {
      const missing = (error as NodeJS.ErrnoException)?.code === 'ENOENT';
      io.stderr.write(`iwl table: ${missing ? `no ${summaryFileName} in ${parsed.positional[0]} (is it the --out folder of iwl run?)` : `${file}: ${errorMessage(error)}`}\n`);
      return ExitCode.invalid;
    }
    io.stdout.write(formatTable(runTable(summary.runs, { perPoint: parsed.switches.has('per-point'), best: summary.best }), format));
    return ExitCode.ok;
  },
};
