/**
 * The analytic kernels with their row tiles computed side by side on the compute pool's worker
 * processes (pool.ts, poolWorker.ts): issue 9's "kernel tiles in parallel".
 *
 * With N workers, N worker processes compute the tiles and this process only hands them out and
 * takes them in (writes them to the files, stores them). This process computing tiles too was
 * tried and measured: while its event loop is busy with a tile, a multi-megabyte IPC message moves
 * one pipe buffer per turn of the loop, so the workers' start message and their tiles crawl (a
 * 2,500 x 2,500 kernel on 3 lanes: the workers never got a tile). Each worker gets the network and
 * the points once and builds the same KernelTiler (kernels/analytic.ts) as a one-process
 * computation; it is then asked for tiles by their first row, at most TILES_AHEAD_PER_WORKER at a
 * time, the biggest (first) rows first, and sends each tile back whole. A tile's numbers depend on its first row alone (same code, same shapes, same backend),
 * so the kernels are bit for bit those of one process whichever worker computed which tile; the
 * consumer puts each tile in its place (the tiles arrive in any order).
 *
 * Processes rather than threads for the pool's reasons: a wasm heap overflow ends only its worker,
 * which fails the computation with the reason and its stderr tail, and cancelling kills every
 * worker at once (SIGKILL), even one in the middle of a long tile.
 */
import type { BackendName } from '../backend';
import type { Network } from '../experiment/experimentTypes';
import { KernelOptions, KernelStats, KernelTile, TILES_AHEAD_PER_WORKER, TileStats, defaultTileRows, streamKernels, validateKernelInputs } from '../kernels/analytic';
import { CancelledError, IwlError } from '../util/iwlError';
import type { Matrix } from '../util/matrix';
import { dualMapOf } from '../kernels/dualMaps';
import { architectureOf } from '../nn/architecture';
import { WorkerProcess, workerScript, type FromWorker, type TileMessage } from './pool';

export interface ParallelKernelOptions extends Omit<KernelOptions, 'layers'> {
  /** Worker processes; 1 (or a single tile) is streamKernels in this process. */
  workers: number;
  /** The tfjs backend every worker starts: this process's own, for the same numbers. */
  backend: BackendName;
  /** The worker bundle (default: dist/worker.js, found by workerScript()). */
  workerScript?: string;
  /**
   * The consumer rounds the tiles to float32 anyway (float32 files): workers round before sending,
   * which halves what crosses the channel. With one worker (this process) tiles stay float64.
   */
  float32?: boolean;
  /** Called with each worker process's pid once it is started. */
  onWorker?(pid: number): void;
}

/** A tile as handed to the consumer: its extent and its two nr x nc row-major arrays (see KernelTile). */
export type ParallelTile = Pick<KernelTile, 'r0' | 'nr' | 'c0' | 'nc'> & { nngp: Float64Array | Float32Array; ntk: Float64Array | Float32Array };

export interface ParallelKernelStats extends KernelStats {
  /** Processes that computed tiles: 1 is this process alone, more are worker processes. */
  workers: number;
  /** Tiles each of them computed, the workers in start order. */
  tilesPerLane: number[];
}

/**
 * The kernels of `network` on x1 (against x2, or x1 itself when null), tile by tile to `onTile`,
 * computed on `options.workers` lanes. Tiles arrive in any order, each once (views valid during
 * the call); with x2 = null they are streamKernels' upper-triangle tiles. Throws CancelledError
 * when the signal fires (every worker killed first) and an IwlError naming the worker and its
 * stderr tail when one dies.
 */
export async function streamKernelsParallel(
  network: Network,
  x1: Matrix,
  x2: Matrix | null,
  options: ParallelKernelOptions,
  onTile: (tile: ParallelTile) => void,
): Promise<ParallelKernelStats> {
  const n1 = x1.rows;
  const n2 = x2 ? x2.rows : n1;
  const tileRows = Math.max(1, Math.floor(options.tileRows ?? defaultTileRows(n2)));
  const starts: number[] = [];
  for (let r0 = 0; r0 < n1; r0 += tileRows) starts.push(r0);
  const lanes = Math.min(Math.max(1, Math.floor(options.workers)), starts.length);
  if (lanes <= 1 || n2 === 0) {
    const stats = await streamKernels(network, x1, x2, { ...options, tileRows }, (tile) => onTile(tile));
    return { ...stats, workers: 1, tilesPerLane: [starts.length] };
  }
  validateKernelInputs(network, x1, x2);
  const script = options.workerScript ?? workerScript();
  const workers: WorkerProcess[] = [];
  const same = x2 === null;
  const entriesOf = (r0: number) => {
    const nr = Math.min(tileRows, n1 - r0);
    const nc = same ? n2 - r0 : n2;
    return same ? nr * nc - (nr * (nr - 1)) / 2 : nr * nc;
  };
  const total = same ? (n1 * (n1 + 1)) / 2 : n1 * n2;
  const duals = architectureOf(network).hidden.map((h) => {
    const m = dualMapOf(h.activations, options.hermite);
    return { name: m.name, closedForm: m.closedForm };
  });
  const stats: ParallelKernelStats = { gramSeconds: 0, recursionSeconds: 0, refinedPairs: 0, quadratureEntries: 0, duals, workers: lanes, tilesPerLane: Array.from({ length: lanes }, () => 0) };
  const queue = [...starts];
  let received = 0;
  let done = 0;
  let settled = false;
  const stopAll = () => workers.forEach((w) => w.kill());
  try {
    await new Promise<void>((resolve, reject) => {
      const cancelled = () => new CancelledError('kernel computation cancelled');
      const fail = (error: unknown) => {
        if (settled) return;
        settled = true;
        stopAll();
        reject(options.signal?.aborted ? cancelled() : error);
      };
      const onAbort = () => fail(cancelled());
      if (options.signal?.aborted) return fail(cancelled());
      options.signal?.addEventListener('abort', onAbort, { once: true });
      /** A finished tile, from any lane: to the consumer, into the stats. */
      const accept = (lane: number, tile: ParallelTile, added: TileStats): boolean => {
        if (settled) return false;
        stats.tilesPerLane[lane]++;
        try {
          onTile(tile);
        } catch (error) {
          fail(error);
          return false;
        }
        stats.gramSeconds += added.gramSeconds;
        stats.recursionSeconds += added.recursionSeconds;
        stats.refinedPairs += added.refinedPairs;
        stats.quadratureEntries += added.quadratureEntries;
        received++;
        done += entriesOf(tile.r0);
        options.onProgress?.(done, total);
        if (received === starts.length) {
          settled = true;
          options.signal?.removeEventListener('abort', onAbort);
          resolve();
          return false;
        }
        return true;
      };
      for (let i = 0; i < lanes; i++) {
        const worker = new WorkerProcess(script);
        workers.push(worker);
        if (worker.pid !== undefined) options.onWorker?.(worker.pid);
        void worker.death('while computing kernel tiles').then(fail);
        worker
          .startKernels({ type: 'kernelInit', backend: options.backend, network, x1, x2, tileRows, hermite: options.hermite, float32: options.float32 ?? false })
          .then(() => {
            if (settled) return;
            worker.listen((message: FromWorker) => {
              if (message.type === 'tile') {
                if (accept(i, message.tile, message.tile) && queue.length) worker.requestTile(queue.shift()!);
              } else if (message.type === 'tileFailed') {
                fail(new IwlError('WORKER_FAILED', `kernel tile at row ${message.r0} failed in worker process ${worker.pid ?? '?'}: ${message.error}`));
              }
            });
            for (let k = 0; k < TILES_AHEAD_PER_WORKER && queue.length; k++) worker.requestTile(queue.shift()!);
          }, fail);
      }
    });
  } finally {
    settled = true;
    stopAll();
    await Promise.all(workers.map((w) => w.whenExited()));
  }
  return stats;
}
