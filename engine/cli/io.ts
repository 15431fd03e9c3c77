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

/** Splits `--flag value` / `--flag=value` / `--switch` options from positional arguments. */
export function parseArgs(
  args: string[],
  spec: { values?: string[]; switches?: string[] },
): { positional: string[]; values: Map<string, string>; switches: Set<string>; unknown: string[] } {
  const values = new Map<string, string>();
  const switches = new Set<string>();
  const positional: string[] = [];
  const unknown: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--') {
      positional.push(...args.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--') || arg === '-') {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    if (spec.values?.includes(name)) {
      const value = eq >= 0 ? arg.slice(eq + 1) : args[++i];
      if (value === undefined) unknown.push(`--${name} needs a value`);
      else values.set(name, value);
    } else if (spec.switches?.includes(name) && eq < 0) {
      switches.add(name);
    } else {
      unknown.push(`unknown option ${arg}`);
    }
  }
  return { positional, values, switches, unknown };
}
