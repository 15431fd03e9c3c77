import { parseArgs as parseNodeArgs } from 'node:util';

/** What a CLI command may touch: its arguments and the standard streams. Tests pass their own. */
export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  cwd: string;
}

export interface CliCommand {
  name: string;
  summary: string;
  usage: string;
  /** Returns the process exit code. Throws only for unexpected failures. */
  run(args: string[], io: CliIo): Promise<number>;
}

/** Exit codes shared by every command. */
export const ExitCode = {
  ok: 0,
  failed: 1,
  invalid: 2,
  cancelled: 130,
} as const;

export interface ParsedArgs {
  positional: string[];
  /** Each value option's last value. */
  values: Map<string, string>;
  /** Each value option's values in order, for options that may be given more than once (`--model`). */
  lists: Map<string, string[]>;
  switches: Set<string>;
  /** One message per bad option: "unknown option --nope", "--out needs a value". */
  unknown: string[];
}

/**
 * Splits `--flag value` / `--flag=value` / `--switch` options from positional arguments with Node's
 * util.parseArgs, collecting every problem instead of stopping at the first. A value option takes
 * the next argument whatever it is (`--out -3`); everything after `--`, and any argument that does
 * not start with `--` (`-`, `-3`), is positional.
 */
export function parseArgs(args: string[], spec: { values?: string[]; switches?: string[] }): ParsedArgs {
  const options: Record<string, { type: 'string' | 'boolean' }> = {};
  for (const name of spec.values ?? []) options[name] = { type: 'string' };
  for (const name of spec.switches ?? []) options[name] = { type: 'boolean' };
  const { tokens } = parseNodeArgs({ args, options, strict: false, allowPositionals: true, tokens: true });
  const parsed: ParsedArgs = { positional: [], values: new Map(), lists: new Map(), switches: new Set(), unknown: [] };
  // util.parseArgs reads "-ab" as two short options with the same index; here it is one positional.
  let lastShortIndex = -1;
  for (const token of tokens) {
    if (token.kind === 'positional') parsed.positional.push(token.value);
    else if (token.kind === 'option-terminator') continue;
    else if (!token.rawName.startsWith('--')) {
      if (token.index !== lastShortIndex) parsed.positional.push(args[token.index]);
      lastShortIndex = token.index;
    } else if (spec.values?.includes(token.name)) {
      if (token.value === undefined) parsed.unknown.push(`--${token.name} needs a value`);
      else {
        parsed.values.set(token.name, token.value);
        parsed.lists.set(token.name, [...(parsed.lists.get(token.name) ?? []), token.value]);
      }
    } else if (spec.switches?.includes(token.name) && !token.inlineValue) parsed.switches.add(token.name);
    else parsed.unknown.push(`unknown option ${args[token.index]}`);
  }
  return parsed;
}
