/**
 * `iwl kernel SPEC --out DIR [--backend B] [--dtype float64|float32] [--tile N] [--workers N] [--quiet]`: the analytic
 * NNGP and NTK of a network on given points. SPEC is `{ network, x1, x2 }` (YAML or JSON,
 * engine/experiment/kernelSpec.ts). Writes DIR/nngp.npy and DIR/ntk.npy ([n1, n2], per output unit;
 * float64 unless --dtype float32) and DIR/info.json. The tiles of streamKernels go straight to the
 * files (util/npy.ts NpyMatrixWriter), so memory is one tile and the inputs, not n^2: the limit is the disk.
 * With --workers N > 1 the tiles are computed on N worker processes (run/kernelPool.ts) and each is
 * written into its place as it arrives: the files are byte for byte those of --workers 1.
 *
 * Exit status: 0 written; 2 invalid input (spec diagnostics and matrix-file problems print as
 * `FILE:LINE:COL: error CODE: message`); 1 failure (an unavailable backend, not enough memory);
 * 130 interrupted. Progress and the up-front estimate go to stderr.
 */
import { mkdirSync, readFileSync, rmSync, statSync, statfsSync, writeFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { BackendName, backendNames, isBackendName, useBackend } from '../backend';
import { decodeBytes, fileStart } from '../experiment/parse';
import { validateKernelSpec } from '../experiment/kernelSpec';
import { nodeValidationHost } from '../experiment/validationHost';
import { Diagnostic, Network } from '../experiment/experimentTypes';
import type { DiagnosticCode } from '../experiment/diagnosticCodes';
import { activationName } from '../activations/registry';
import { architectureOf } from '../nn/architecture';
import { defaultTileRows, kernelBackendBytes, kernelMemoryBytes } from '../kernels/analytic';
import { ParallelTile, streamKernelsParallel } from '../run/kernelPool';
import { defaultWorkers } from '../run/pool';
import { WASM_HEAP_BYTES } from '../experiment/validationHost';
import { dualMapOf } from '../kernels/dualMaps';
import { MatrixFileError, loadMatrix } from '../kernels/matrixFile';
import { NpyMatrixWriter } from '../util/npy';
import { CancelledError, IwlError } from '../util/iwlError';
import { errorMessage } from '../contract/errors';
import { Matrix } from '../util/matrix';
import { CliCommand, CliIo, ExitCode, parseArgs } from './io';
import { formatDiagnostic } from './experimentFile';
import { formatDuration } from '../contract/durations';

const usage = `Usage: iwl kernel SPEC --out DIR [--backend ${backendNames.join('|')}] [--dtype float64|float32] [--tile ROWS] [--workers N] [--quiet]

Computes the analytic NNGP and NTK (per output unit) of SPEC's network on its points.
SPEC (YAML or JSON): { network, x1, x2 }; x1 and x2 are inline rows of numbers or paths,
relative to SPEC, of .npy or .csv files (a .csv may start with a header row); x2 defaults to x1.

Writes DIR/nngp.npy and DIR/ntk.npy (shape [n1, n2]) and DIR/info.json. The kernels are
computed in row tiles and each tile goes straight to the files, so memory stays at one tile
(n up to tens of thousands); the sizes, the memory and a rough time are printed first, and a
computation the disk or the memory cannot hold stops before it starts.
  --backend   tfjs backend for the Gram matrix (default wasm)
  --dtype     values stored in the files (default float64; float32 halves the files, as
              neural-tangents' float32 kernels; the computation is float64 either way)
  --tile      rows per tile (default: about a million kernel entries per tile)
  --workers   worker processes computing tiles side by side, each with its own backend and
              its own tile in memory; the files are byte for byte those of --workers 1
              (default 1: on 2 cores, 2 workers measured slower than one, since each
              starts its own backend and sends its tiles back; try up to ${defaultWorkers()} here)
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
    const { positional, values, switches, unknown } = parseArgs(args, { values: ['out', 'backend', 'tile', 'dtype', 'workers'], switches: ['quiet'] });
    const out = values.get('out');
    const backend = values.get('backend') ?? 'wasm';
    const tileText = values.get('tile');
    const tile = tileText === undefined ? undefined : Number(tileText);
    const dtype = values.get('dtype') ?? 'float64';
    const workersText = values.get('workers');
    const workers = workersText === undefined ? 1 : Number(workersText);
    const problems = [...unknown];
    if (positional.length !== 1) problems.push(positional.length === 0 ? 'missing SPEC' : `expected one SPEC, got ${positional.length}`);
    if (out === undefined) problems.push('missing --out DIR');
    if (!isBackendName(backend)) problems.push(`--backend must be one of ${backendNames.join(', ')}, got '${backend}'`);
    if (tile !== undefined && !(Number.isInteger(tile) && tile > 0)) problems.push(`--tile must be a positive integer, got '${tileText}'`);
    if (!Number.isInteger(workers) || workers < 1) problems.push(`--workers must be a whole number of at least 1, got '${workersText}'`);
    if (dtype !== 'float32' && dtype !== 'float64') problems.push(`--dtype must be float32 or float64, got '${dtype}'`);
    if (problems.length > 0 || out === undefined || !isBackendName(backend) || (dtype !== 'float32' && dtype !== 'float64')) {
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

    // 3. What it will cost, checked before anything starts.
    const n1 = x1.rows;
    const n2 = x2 ? x2.rows : x1.rows;
    const d = x1.cols;
    const L = architectureOf(spec.network).hidden.length;
    const width = dtype === 'float32' ? 4 : 8;
    const fileBytes = 2 * n1 * n2 * width;
    // No more workers than tiles: the rest would have nothing to do.
    const tileRows = tile ?? defaultTileRows(n2);
    const lanes = Math.min(workers, Math.ceil(n1 / tileRows));
    const memoryBytes = kernelMemoryBytes(n1, n2, d, { tileRows, streamed: true, workers: lanes });
    const limit = totalmem() * 0.75;
    if (memoryBytes > limit) {
      const lanesText = lanes > 1 ? ` on ${lanes} workers (each holds its own inputs and tile)` : '';
      throw new IwlError('KERNEL_TOO_LARGE', `${n1} x ${n2} kernels need about ${gib(memoryBytes)} of memory even streamed${lanesText}; this machine has ${gib(totalmem())} (at most ${gib(limit)} usable). Use fewer points, a smaller --tile${lanes > 1 ? ' or fewer --workers' : ''}.`);
    }
    const backendBytes = kernelBackendBytes(n1, n2, d, tileRows);
    if (backend === 'wasm' && backendBytes > WASM_HEAP_BYTES) {
      throw new IwlError('KERNEL_TOO_LARGE', `the Gram blocks of ${n1} x ${n2} kernels on ${d}-dimensional inputs need about ${gib(backendBytes)} in each wasm heap, which holds at most ${gib(WASM_HEAP_BYTES)}. Use a smaller --tile or fewer points.`);
    }
    const dir = resolve(io.cwd, out);
    try {
      mkdirSync(dir, { recursive: true });
    } catch (error) {
      throw new IwlError('OUTPUT_UNWRITABLE', `cannot create ${dir}: ${errorMessage(error)}`, { cause: error });
    }
    const free = freeBytes(dir);
    if (free !== null && fileBytes > free) {
      throw new IwlError('DISK_FULL', `nngp.npy and ntk.npy (${dtype}, ${n1} x ${n2}) need ${mib(fileBytes)} on disk; ${dir} has ${mib(free)} free. Use fewer points${dtype === 'float64' ? ' or --dtype float32 (half the size)' : ''}.`);
    }
    const info = await useBackend(backend);
    const estimate = estimateSeconds(spec.network, n1, n2, d, x2 === null, backend) / lanes;
    const log = (line: string) => {
      if (!quiet) io.stderr.write(line + '\n');
    };
    log(
      `iwl kernel: ${n1} x ${n2} kernels of ${L} hidden layer${L === 1 ? '' : 's'} on ${d}-dimensional inputs; ` +
        `writes ${mib(fileBytes)} (${dtype}), about ${mib(memoryBytes)} of memory, roughly ${formatDuration(Math.max(1, estimate))} on ${backend}` +
        (lanes > 1 ? ` with ${lanes} workers` : ''),
    );

    // 4. Compute, streaming each tile to the two files.
    const controller = new AbortController();
    const onSigint = () => controller.abort();
    process.once('SIGINT', onSigint);
    const started = performance.now();
    let lastReport = started;
    let stats;
    let files: KernelFiles | null = null;
    try {
      try {
        files = new KernelFiles(join(dir, 'nngp.npy'), join(dir, 'ntk.npy'), n1, n2, dtype, x2 === null);
      } catch (error) {
        throw new IwlError('OUTPUT_UNWRITABLE', `cannot write to ${dir}: ${errorMessage(error)}`, { cause: error });
      }
      const sink = files;
      stats = await streamKernelsParallel(
        spec.network,
        x1,
        x2,
        {
          tileRows,
          workers: lanes,
          backend,
          float32: dtype === 'float32',
          signal: controller.signal,
          onProgress: (done, total) => {
            const now = performance.now();
            if (now - lastReport < 2000 || done >= total) return;
            lastReport = now;
            const elapsed = (now - started) / 1000;
            log(`iwl kernel: ${Math.floor((100 * done) / total)}% of ${total} entries, ${formatDuration((elapsed / done) * (total - done))} left`);
          },
        },
        (t) => {
          try {
            sink.write(t);
          } catch (error) {
            throw new IwlError('OUTPUT_UNWRITABLE', `cannot write to ${dir}: ${errorMessage(error)}`, { cause: error });
          }
        },
      );
      files.close();
      files = null;
    } catch (error) {
      files?.remove();
      if (error instanceof CancelledError) {
        io.stderr.write('iwl kernel: interrupted; nothing written\n');
        return ExitCode.cancelled;
      }
      throw error;
    } finally {
      process.removeListener('SIGINT', onSigint);
    }
    const seconds = (performance.now() - started) / 1000;

    // 5. The summary.
    try {
      const summary = {
        backend: info.name,
        backendDetail: info.detail,
        dtype,
        gramDtype: 'float32',
        seconds,
        workers: stats.workers,
        tilesPerWorker: stats.tilesPerLane,
        n1,
        n2,
        inputDim: d,
        symmetric: x2 === null,
        network: networkSummary(spec.network),
        memoryBytes,
        fileBytes,
        gramSeconds: stats.gramSeconds,
        recursionSeconds: stats.recursionSeconds,
        refinedPairs: stats.refinedPairs,
        quadratureEntries: stats.quadratureEntries,
        spec: specPath,
      };
      writeFileSync(join(dir, 'info.json'), JSON.stringify(summary, null, 2) + '\n');
    } catch (error) {
      throw new IwlError('OUTPUT_UNWRITABLE', `cannot write to ${dir}: ${errorMessage(error)}`, { cause: error });
    }
    io.stdout.write(`wrote ${join(out, 'nngp.npy')}, ${join(out, 'ntk.npy')} (${dtype}, ${n1} x ${n2}) and info.json in ${seconds.toFixed(2)} s on ${info.name}\n`);
    return ExitCode.ok;
  },
};

/**
 * The two kernel files, filled tile by tile. A tile's rows go in place; in the symmetric case a tile
 * holds rows [r0, r0 + nr) x columns [r0, n), and its entries above the diagonal are also written
 * mirrored, as the pieces K[j, r0 : min(j, r0 + nr)) of the rows j below: exactly symmetric files,
 * never more than one tile in memory.
 */
class KernelFiles {
  private readonly nngp: NpyMatrixWriter;
  private readonly ntk: NpyMatrixWriter;

  constructor(
    private readonly nngpPath: string,
    private readonly ntkPath: string,
    n1: number,
    n2: number,
    dtype: 'float32' | 'float64',
    private readonly symmetric: boolean,
  ) {
    this.nngp = new NpyMatrixWriter(nngpPath, n1, n2, dtype);
    try {
      this.ntk = new NpyMatrixWriter(ntkPath, n1, n2, dtype);
    } catch (error) {
      this.nngp.close();
      throw error;
    }
  }

  write(tile: ParallelTile): void {
    const { r0, nr, c0, nc } = tile;
    for (const [file, values] of [[this.nngp, tile.nngp], [this.ntk, tile.ntk]] as const) {
      for (let r = 0; r < nr; r++) {
        const from = this.symmetric ? r : 0;
        file.write(r0 + r, c0 + from, values, r * nc + from, nc - from);
      }
      if (!this.symmetric) continue;
      for (let s = 1; s < nc; s++) file.writeStrided(r0 + s, r0, values, s, nc, Math.min(s, nr));
    }
  }

  close(): void {
    this.nngp.close();
    this.ntk.close();
  }

  /** After a failure or an interruption: no half-written kernels left behind. */
  remove(): void {
    for (const [file, path] of [[this.nngp, this.nngpPath], [this.ntk, this.ntkPath]] as const) {
      try {
        file.close();
      } catch {
        // already closed
      }
      rmSync(path, { force: true });
    }
  }
}

/** Bytes free for this user on the file system holding `dir`; null where the platform cannot say. */
function freeBytes(dir: string): number | null {
  try {
    const s = statfsSync(dir);
    return s.bavail * s.bsize;
  } catch {
    return null;
  }
}

function readSpec(file: string, path: string): { text: string } | { diagnostics: Diagnostic[] } {
  const problem = (code: DiagnosticCode, message: string): { diagnostics: Diagnostic[] } => ({ diagnostics: [{ code, severity: 'error', message, range: fileStart }] });
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
