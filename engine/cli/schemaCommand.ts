/**
 * `iwl schema [--out FILE] [--markdown]`: prints (or writes) the JSON Schema of experiment files,
 * or with --markdown the Markdown reference. Both come from engine/experiment/schema.ts;
 * schema/experiment.schema.json and docs/experiment-reference.md are this command's output.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { experimentJsonSchema } from '../experiment/jsonSchema';
import { experimentReferenceMarkdown } from '../experiment/reference';
import { CliCommand, CliIo, ExitCode, parseArgs } from './io';

const usage = `Usage: iwl schema [--out FILE] [--markdown]

Prints the JSON Schema (draft-07) of experiment files, or with --markdown the Markdown reference.
  --out FILE    write it to FILE instead of printing it
  --markdown    the Markdown reference instead of the JSON Schema`;

/** The exact text the repository commits for each artifact. */
export function schemaText(markdown: boolean): string {
  return markdown ? experimentReferenceMarkdown() : JSON.stringify(experimentJsonSchema(), null, 2) + '\n';
}

export const schemaCommand: CliCommand = {
  name: 'schema',
  summary: 'print the JSON Schema (or --markdown reference) of experiment files',
  usage,
  async run(args: string[], io: CliIo): Promise<number> {
    const { positional, values, switches, unknown } = parseArgs(args, { values: ['out'], switches: ['markdown'] });
    if (unknown.length > 0 || positional.length > 0) {
      const why = [...unknown, ...positional.map((p) => `unexpected argument ${p}`)].join('; ');
      io.stderr.write(`iwl schema: ${why}\n\n${usage}\n`);
      return ExitCode.invalid;
    }
    const text = schemaText(switches.has('markdown'));
    const out = values.get('out');
    if (out === undefined) {
      io.stdout.write(text);
      return ExitCode.ok;
    }
    const path = resolve(io.cwd, out);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
    io.stdout.write(`wrote ${out}\n`);
    return ExitCode.ok;
  },
};
