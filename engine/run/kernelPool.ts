/**
 * The analytic kernels with their row tiles computed side by side on the compute pool's worker
 * processes (pool.ts, poolWorker.ts): issue 9's "kernel tiles in parallel".
 *
 * With N workers, this process is one lane and N - 1 worker processes are the others: this process
 * starts on the first tiles at once (a worker needs about half a second to start its backend) and
 * takes tiles from the same queue whenever it is free. Each worker gets the network and the points
 * once and builds the same KernelTiler (kernels/analytic.ts) as this process; it is then asked for
 * tiles by their first row, at most TILES_AHEAD_PER_WORKER at a time, the biggest (first) rows
 * first, and sends each tile back whole. A tile's numbers depend on its first row alone (same code, same shapes, same backend),
 * so the kernels are bit for bit those of one process whichever worker computed which tile; the
 * consumer puts each tile in its place (the tiles arrive in any order).
 *
 * Processes rather than threads for the pool's reasons: a wasm heap overflow ends only its worker,
 * which fails the computation with the reason and its stderr tail, and cancelling kills every
 * worker at once (SIGKILL), even one in the middle of a long tile.
 */
import type { BackendName } from '../backend';
import type { Network } from '../experiment/experimentTypes';
import { KernelOptions, KernelStats, KernelTile, KernelTiler, TILES_AHEAD_PER_WORKER, TileStats, defaultTileRows, streamKernels } from '../kernels/analytic';
import { CancelledError, IwlError } from '../util/iwlError';
import type { Matrix } from '../util/matrix';
import { WorkerProcess, workerScript, type FromWorker, type TileMessage } from './pool';

export interface ParallelKernelOptions extends Omit<KernelOptions, 'layers'> {
  /** Lanes: this process and workers - 1 worker processes; 1 (or a single tile) is streamKernels in this process. */
  workers: number;
  /** The tfjs backend every worker starts: this process's own, for the same numbers. */
  backend: BackendName;
  /** The worker bundle (default: dist/worker.js, found by workerScript()). */
  workerScript?: string;
  /**
   * The consumer rounds the tiles to float32 anyway (float32 files): workers round before sending,
   * which halves what crosses the channel. Tiles of this process stay float64.
   */
  float32?: boolean;
  /** Called with each worker process's pid once it is started. */
  onWorker?(pid: number): void;
}

/** A tile as handed to the consumer: its extent and its two nr x nc row-major arrays (see KernelTile). */
export type ParallelTile = Pick<KernelTile, 'r0' | 'nr' | 'c0' | 'nc'> & { nngp: Float64Array | Float32Array; ntk: Float64Array | Float32Array };

export interface ParallelKernelStats extends KernelStats {
  /** Lanes that computed tiles: this process and the worker processes. */
  workers: number;
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
    return { ...stats, workers: 1 };
  }
  // This process's lane; it also checks the inputs before any worker starts.
  const tiler = new KernelTiler(network, x1, x2, { tileRows, hermite: options.hermite });
  const stats: ParallelKernelStats = { ...tiler.stats, workers: lanes };
  const script = options.workerScript ?? workerScript();
  const workers: WorkerProcess[] = [];
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
      const accept = (tile: ParallelTile, added: TileStats): boolean => {
        if (settled) return false;
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
        done += tiler.tileEntries(tile.r0);
        options.onProgress?.(done, tiler.totalEntries);
        if (received === starts.length) {
          settled = true;
          options.signal?.removeEventListener('abort', onAbort);
          resolve();
          return false;
        }
        return true;
      };
      for (let i = 1; i < lanes; i++) {
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
                if (accept(message.tile, message.tile) && queue.length) worker.requestTile(queue.shift()!);
              } else if (message.type === 'tileFailed') {
                fail(new IwlError('WORKER_FAILED', `kernel tile at row ${message.r0} failed in worker process ${worker.pid ?? '?'}: ${message.error}`));
              }
            });
            for (let k = 0; k < TILES_AHEAD_PER_WORKER && queue.length; k++) worker.requestTile(queue.shift()!);
          }, fail);
      }
      // This process's lane: the next tile of the queue whenever it is free, yielding between tiles
      // so the workers' tiles are taken in and an abort is seen.
      void (async () => {
        try {
          while (!settled && queue.length) {
            const r0 = queue.shift()!;
            const tile = await tiler.tile(r0);
            if (!accept(tile, tiler.lastTile)) return;
            await new Promise<void>((next) => setImmediate(next));
          }
        } catch (error) {
          fail(error);
        }
      })();
    });
  } finally {
    settled = true;
    stopAll();
    tiler.dispose();
    await Promise.all(workers.map((w) => w.whenExited()));
  }
  return stats;
}
