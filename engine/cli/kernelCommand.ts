/**
 * `iwl kernel SPEC --out DIR [--backend B] [--tile N] [--quiet]`: the analytic NNGP and NTK of a
 * network on given points. SPEC is `{ network, x1, x2 }` (YAML or JSON, engine/experiment/kernelSpec.ts).
 * Writes DIR/nngp.npy and DIR/ntk.npy (float64, [n1, n2], per output unit) and DIR/info.json.
 *
 * Exit status: 0 written; 2 invalid input (spec diagnostics and matrix-file problems print as
 * `FILE:LINE:COL: error CODE: message`); 1 failure (an unavailable backend, not enough memory);
 * 130 interrupted. Progress and the up-front estimate go to stderr.
 */
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { BackendName, backendNames, isBackendName, useBackend } from '../backend';
import { decodeBytes, fileStart } from '../experiment/parse';
import { validateKernelSpec } from '../experiment/kernelSpec';
import { nodeValidationHost } from '../experiment/host';
import { Diagnostic, Network } from '../experiment/types';
import { activationName, architectureOf } from '../nn/architecture';
import { computeKernels, kernelMemoryBytes } from '../kernels/analytic';
import { dualMapOf } from '../kernels/activations';
import { MatrixFileError, loadMatrix } from '../kernels/matrixFile';
import { writeNpy } from '../util/npy';
import { CancelledError, IwlError, errorMessage } from '../util/errors';
import { Matrix } from '../util/matrix';
import { CliCommand, CliIo, ExitCode, parseArgs } from './io';
import { formatDiagnostic } from './experimentFile';
import { formatDuration } from './progress';

const usage = `Usage: iwl kernel SPEC --out DIR [--backend ${backendNames.join('|')}] [--tile ROWS] [--quiet]

Computes the analytic NNGP and NTK (per output unit) of SPEC's network on its points.
SPEC (YAML or JSON): { network, x1, x2 }; x1 and x2 are inline rows of numbers or paths,
relative to SPEC, of .npy or .csv files (a .csv may start with a header row); x2 defaults to x1.

Writes DIR/nngp.npy and DIR/ntk.npy (float64, shape [n1, n2]) and DIR/info.json.
  --backend   tfjs backend for the Gram matrix (default wasm)
  --tile      rows per tile (default: about a million kernel entries per tile)
  --quiet     no estimate or progress on stderr
Exit status: 0 written, 2 invalid input, 1 failed, 130 interrupted.`;

/** Rough rates for the up-front estimate (ENVIRONMENT.md; this machine's measurements). */
const GRAM_FLOPS_PER_SECOND: Record<BackendName, number> = { wasm: 14e9, cpu: 0.3e9, tensorflow: 50e9, webgpu: 2e9 };
const CLOSED_FORM_SECONDS_PER_ENTRY = 25e-9;
const NUMERIC_SECONDS_PER_ENTRY = 400e-9;

export const kernelCommand: CliCommand = {
  name: 'kernel',
  summary: 'analytic NNGP and NTK of a network on given points (.npy out)',
  usage,
  async run(args: string[], io: CliIo): Promise<number> {
    const { positional, values, switches, unknown } = parseArgs(args, { values: ['out', 'backend', 'tile'], switches: ['quiet'] });
    const out = values.get('out');
    const backend = values.get('backend') ?? 'wasm';
    const tileText = values.get('tile');
    const tile = tileText === undefined ? undefined : Number(tileText);
    const problems = [...unknown];
    if (positional.length !== 1) problems.push(positional.length === 0 ? 'missing SPEC' : `expected one SPEC, got ${positional.length}`);
    if (out === undefined) problems.push('missing --out DIR');
    if (!isBackendName(backend)) problems.push(`--backend must be one of ${backendNames.join(', ')}, got '${backend}'`);
    if (tile !== undefined && !(Number.isInteger(tile) && tile > 0)) problems.push(`--tile must be a positive integer, got '${tileText}'`);
    if (problems.length > 0 || out === undefined || !isBackendName(backend)) {
      io.stderr.write(`iwl kernel: ${problems.join('; ')}\n\n${usage}\n`);
      return ExitCode.invalid;
    }
    const quiet = switches.has('quiet');
    const specFile = positional[0];

    // 1. The spec.
    const specPath = resolve(io.cwd, specFile);
    const read = readSpec(specFile, specPath);
    if ('diagnostics' in read) {
      for (const d of read.diagnostics) io.stderr.write(formatDiagnostic(specFile, d) + '\n');
      return ExitCode.invalid;
    }
    const result = validateKernelSpec(read.text, { filePath: specPath, host: nodeValidationHost() });
    for (const d of result.diagnostics) io.stderr.write(formatDiagnostic(specFile, d) + '\n');
    if (!result.spec) return ExitCode.invalid;
    const spec = result.spec;

    // 2. The points.
    let x1: Matrix;
    let x2: Matrix | null;
    try {
      x1 = loadMatrix(spec.x1, 'x1');
      x2 = spec.x2 ? loadMatrix(spec.x2, 'x2') : null;
    } catch (error) {
      if (!(error instanceof MatrixFileError)) throw error;
      io.stderr.write(`${error.file}:${error.line}:${error.column}: error ${error.code}: ${error.message}\n`);
      return ExitCode.invalid;
    }
    if (x2 && x2.cols !== x1.cols) {
      io.stderr.write(`${specFile}:1:1: error matrix-shape-mismatch: x2 has ${x2.cols} columns but x1 has ${x1.cols}; both need the same input dimension\n`);
      return ExitCode.invalid;
    }

    // 3. What it will cost.
    const n1 = x1.rows;
    const n2 = x2 ? x2.rows : x1.rows;
    const d = x1.cols;
    const L = architectureOf(spec.network).hidden.length;
    const memoryBytes = kernelMemoryBytes(n1, n2, d, { tileRows: tile });
    const limit = totalmem() * 0.75;
    if (memoryBytes > limit) {
      throw new IwlError('KERNEL_TOO_LARGE', `${n1} x ${n2} kernels need about ${gib(memoryBytes)} of memory; this machine has ${gib(totalmem())} (at most ${gib(limit)} usable). Use fewer points.`);
    }
    const info = await useBackend(backend);
    const estimate = estimateSeconds(spec.network, n1, n2, d, x2 === null, backend);
    const log = (line: string) => {
      if (!quiet) io.stderr.write(line + '\n');
    };
    log(`iwl kernel: ${n1} x ${n2} kernels of ${L} hidden layer${L === 1 ? '' : 's'} on ${d}-dimensional inputs; about ${mib(memoryBytes)} of memory, roughly ${formatDuration(Math.max(1, estimate))} on ${backend}`);

    // 4. Compute.
    const controller = new AbortController();
    const onSigint = () => controller.abort();
    process.once('SIGINT', onSigint);
    const started = performance.now();
    let lastReport = started;
    let kernels;
    try {
      kernels = await computeKernels(spec.network, x1, x2, {
        tileRows: tile,
        signal: controller.signal,
        onProgress: (done, total) => {
          const now = performance.now();
          if (now - lastReport < 2000 || done >= total) return;
          lastReport = now;
          const elapsed = (now - started) / 1000;
          log(`iwl kernel: ${Math.floor((100 * done) / total)}% of ${total} entries, ${formatDuration((elapsed / done) * (total - done))} left`);
        },
      });
    } catch (error) {
      if (error instanceof CancelledError) {
        io.stderr.write('iwl kernel: interrupted; nothing written\n');
        return ExitCode.cancelled;
      }
      throw error;
    } finally {
      process.removeListener('SIGINT', onSigint);
    }
    const seconds = (performance.now() - started) / 1000;

    // 5. Write.
    const dir = resolve(io.cwd, out);
    try {
      mkdirSync(dir, { recursive: true });
      writeNpy(join(dir, 'nngp.npy'), kernels.nngp, [n1, n2]);
      writeNpy(join(dir, 'ntk.npy'), kernels.ntk, [n1, n2]);
      const summary = {
        backend: info.name,
        backendDetail: info.detail,
        dtype: 'float64',
        gramDtype: 'float32',
        seconds,
        n1,
        n2,
        inputDim: d,
        symmetric: x2 === null,
        network: networkSummary(spec.network),
        memoryBytes,
        gramSeconds: kernels.stats.gramSeconds,
        recursionSeconds: kernels.stats.recursionSeconds,
        refinedPairs: kernels.stats.refinedPairs,
        quadratureEntries: kernels.stats.quadratureEntries,
        spec: specPath,
      };
      writeFileSync(join(dir, 'info.json'), JSON.stringify(summary, null, 2) + '\n');
    } catch (error) {
      throw new IwlError('OUTPUT_UNWRITABLE', `cannot write to ${dir}: ${errorMessage(error)}`, { cause: error });
    }
    io.stdout.write(`wrote ${join(out, 'nngp.npy')}, ${join(out, 'ntk.npy')} (float64, ${n1} x ${n2}) and info.json in ${seconds.toFixed(2)} s on ${info.name}\n`);
    return ExitCode.ok;
  },
};

function readSpec(file: string, path: string): { text: string } | { diagnostics: Diagnostic[] } {
  const problem = (code: string, message: string): { diagnostics: Diagnostic[] } => ({ diagnostics: [{ code, severity: 'error', message, range: fileStart }] });
  let bytes: Buffer;
  try {
    if (!statSync(path).isFile()) return problem('not-a-file', `${file} is not a regular file`);
    bytes = readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException)?.code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return problem('file-not-found', `no such file: ${file}`);
    return problem('file-unreadable', `cannot read ${file} (${errorMessage(error)})`);
  }
  const decoded = decodeBytes(bytes);
  if (decoded.diagnostic) return { diagnostics: [decoded.diagnostic] };
  return { text: decoded.text };
}

/** The network in words for info.json: parametrization, depth and each layer. */
function networkSummary(network: Network): { parametrization: string; hiddenLayers: number; layers: string[]; duals: { name: string; closedForm: boolean }[] } {
  const arch = architectureOf(network);
  return {
    parametrization: network.parametrization,
    hiddenLayers: arch.hidden.length,
    layers: network.layers.map((l) => (l.kind === 'dense' ? `dense(wStd=${l.wStd}, bStd=${l.bStd})` : activationName(l.activation))),
    duals: arch.hidden.map((h) => {
      const m = dualMapOf(h.activations);
      return { name: m.name, closedForm: m.closedForm };
    }),
  };
}

function estimateSeconds(network: Network, n1: number, n2: number, d: number, symmetric: boolean, backend: BackendName): number {
  const entries = symmetric ? (n1 * (n1 + 1)) / 2 : n1 * n2;
  const gram = (2 * entries * d) / GRAM_FLOPS_PER_SECOND[backend];
  const perEntry = architectureOf(network).hidden.reduce((s, h) => s + (dualMapOf(h.activations).closedForm ? CLOSED_FORM_SECONDS_PER_ENTRY : NUMERIC_SECONDS_PER_ENTRY), 0);
  return gram + entries * perEntry;
}

function mib(bytes: number): string {
  return bytes >= 1024 ** 3 ? gib(bytes) : `${Math.ceil(bytes / 1024 ** 2)} MiB`;
}

function gib(bytes: number): string {
  return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
}
