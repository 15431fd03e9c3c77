/**
 * The SPEC file of `iwl kernel SPEC`: `{ network, x1, x2 }` in YAML or JSON. x1 and x2 are inline
 * rows of numbers or paths (relative to SPEC) of .npy or .csv files; x2 is optional (default x1).
 * The network gets the same checks as in experiment files; paths get the same file checks.
 * Never throws.
 */
import { Diagnostic, Network } from './experimentTypes';
import { formatOf, parseSource } from './parse';
import { CheckContext, INVALID, checkNode, childPath, complete } from './check';
import { kernelSpecSchema } from './schema';
import type { Checked } from './schemaDsl';
import { ValidationHost } from './validationHost';
import { buildNetwork } from './networkChecks';
import { checkReferencedFile } from './files';
import { internalError } from './validate';

export type MatrixSource = { kind: 'inline'; rows: number[][] } | { kind: 'file'; path: string /* absolute */; format: 'npy' | 'csv' };

export interface KernelSpec {
  network: Network;
  x1: MatrixSource;
  x2: MatrixSource | null;
}

export interface KernelSpecResult {
  spec: KernelSpec | null;
  diagnostics: Diagnostic[];
}

export function validateKernelSpec(text: string, options: { filePath: string; host: ValidationHost }): KernelSpecResult {
  try {
    return validateUnguarded(String(text), options);
  } catch (error) {
    return { spec: null, diagnostics: [internalError(error)] };
  }
}

function validateUnguarded(text: string, options: { filePath: string; host: ValidationHost }): KernelSpecResult {
  const format = formatOf(options.filePath);
  const parsed = parseSource(text, format);
  const done = (spec: KernelSpec | null, extra: Diagnostic[] = []): KernelSpecResult => {
    const diagnostics = [...parsed.diagnostics, ...extra].sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
    return { spec: diagnostics.some((d) => d.severity === 'error') ? null : spec, diagnostics };
  };
  if (!parsed.root) return done(null);
  const ctx = new CheckContext({ lines: parsed.lines, format });
  const raw = checkNode(kernelSpecSchema, parsed.root, '', ctx);
  if (raw === INVALID) return done(null, ctx.diagnostics);
  const network = buildNetwork(raw.network, 'network', ctx);
  if (network?.parametrization === 'standard') {
    ctx.error(
      'infinite-needs-ntk-parametrization',
      'network.parametrization',
      `the analytic NTK exists for parametrization 'ntk' only (under 'standard' it grows without bound with width), got 'standard'`,
      ctx.rangeOf('network.parametrization'),
    );
  }
  const x1 = matrixSource(raw.x1, 'x1', options, ctx);
  const x2 = raw.x2 === undefined || raw.x2 === null ? null : matrixSource(raw.x2, 'x2', options, ctx);
  if (x1 && x2 && x1.kind === 'inline' && x2.kind === 'inline' && x1.rows[0].length !== x2.rows[0].length) {
    ctx.error('matrix-shape-mismatch', 'x2', `rows have ${x2.rows[0].length} columns but x1's have ${x1.rows[0].length}; both need the same input dimension`, ctx.rangeOf('x2'));
  }
  const ok = network && x1 && (raw.x2 === undefined || raw.x2 === null || x2);
  return done(ok ? { network, x1, x2 } : null, ctx.diagnostics);
}

function matrixSource(raw: Checked<(typeof kernelSpecSchema)['properties']['x1']> | undefined, path: string, options: { filePath: string; host: ValidationHost }, ctx: CheckContext): MatrixSource | null {
  if (raw === INVALID || raw === undefined) return null;
  if (typeof raw === 'string') {
    const format = /\.npy$/i.test(raw) ? 'npy' : /\.csv$/i.test(raw) ? 'csv' : null;
    if (!format) {
      ctx.error('unsupported-matrix-format', path, `${JSON.stringify(raw)} is neither a .npy nor a .csv file`, ctx.rangeOf(path));
      return null;
    }
    const absolute = checkReferencedFile(raw, path, options.filePath, options.host, ctx);
    return absolute === null ? null : { kind: 'file', path: absolute, format };
  }
  const rows = complete(raw);
  if (rows === INVALID) return null;
  const width = rows[0].length;
  const ragged = rows.findIndex((row) => row.length !== width);
  if (ragged >= 0) {
    const p = childPath(path, ragged);
    ctx.error('ragged-rows', p, `has ${rows[ragged].length} numbers but ${childPath(path, 0)} has ${width}; every row needs the same length`, ctx.rangeOf(p));
    return null;
  }
  return { kind: 'inline', rows };
}
