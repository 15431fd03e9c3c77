/**
 * The compute pool: child processes (dist/worker.js, engine/run/poolWorker.ts), each with its own
 * tfjs backend and its own wasm heap, that run the independent jobs of a run side by side.
 *
 * Why processes and not worker_threads: a wasm heap that overflows aborts its whole process
 * (ENVIRONMENT.md), and a worker that dies must fail only its own job, with the reason and the tail
 * of its stderr, while the run goes on and keeps what it has. A killed process also ends at once,
 * which is what Stop needs while a worker is inside one long synchronous computation.
 *
 * A worker computes exactly what the run's own process would: the same trainer on the same job,
 * the same dataset (sent once, structured-cloned: no reloading, no reshuffling), the same kernels
 * computed by the same code. Only the predictions come back; metrics are made in the run's process,
 * so parallel and sequential runs give the same numbers bit for bit.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { availableParallelism, totalmem } from 'node:os';
import type { Dataset } from '../data/dataset';
import type { Experiment, Network } from '../experiment/experimentTypes';
import type { HermiteOptions } from '../kernels/hermiteDual';
import type { TileStats } from '../kernels/analytic';
import type { Matrix } from '../util/matrix';
import type { BackendName } from '../backend';
import { estimateMemory, formatBytes, type ModelMemory } from '../experiment/memory';
import { CancelledError, IwlError } from '../util/iwlError';
import { bundledScript } from '../util/bundledScript';
import type { Job } from './plan';
import type { LogPoint } from './trainer';

/** What the run's process sends a worker: once at start, then one job at a time. */
export type ToWorker =
  | { type: 'init'; experiment: Experiment; dataset: Dataset; backend: BackendName }
  /** Another top-level point of a sweep (its own experiment and data), sent before its first job. */
  | { type: 'variant'; variant: number; experiment: Experiment; dataset: Dataset }
  /** lanes: the cores the job may use for its factorizations (linalgLanes). */
  | { type: 'job'; job: Job; lanes: number }
  /** Kernel tiles (kernelPool.ts): the network and points once, then tiles by their first row. */
  | { type: 'kernelInit'; backend: BackendName; network: Network; x1: Matrix; x2: Matrix | null; tileRows: number; hermite?: HermiteOptions; float32: boolean }
  | { type: 'tile'; r0: number };

/** What a worker sends back while it runs a job. */
export type FromWorker =
  | { type: 'ready'; detail: string }
  | { type: 'initFailed'; error: string }
  | { type: 'step'; step: number }
  | { type: 'point'; point: LogPoint }
  | { type: 'report'; facts: Record<string, unknown> }
  | { type: 'log'; message: string }
  | { type: 'done'; error?: string }
  | { type: 'tile'; tile: TileMessage }
  | { type: 'tileFailed'; r0: number; error: string };

/** One computed kernel tile as it crosses the IPC channel: its extent, its two arrays and what it added to the stats. */
export interface TileMessage extends TileStats {
  r0: number;
  nr: number;
  c0: number;
  nc: number;
  /** nr x nc row-major; float32 (rounded in the worker, as the .npy writer rounds) when the files are float32. */
  nngp: Float64Array | Float32Array;
  ntk: Float64Array | Float32Array;
}

export interface JobHooks {
  onStep(step: number): void;
  report(facts: Record<string, unknown>): void;
  log(message: string): void;
}

/** The default pool size: every core the process may use. */
export function defaultWorkers(): number {
  return Math.max(1, availableParallelism());
}

/**
 * The lanes (cores) one job may use for its own factorizations (TrainContext.lanes): the run's
 * workers setting shared among the jobs that run at once, and never more than the cores there are.
 * Jobs run one at a time in the run's process (one job, or --workers 1): that job gets all
 * `workers`. On the pool, a phase runs min(workers, jobs) jobs side by side, so each gets
 * floor(workers / that): a gp job alone in its phase uses the idle workers' cores, and jobs that
 * fill the pool get 1 lane each, so lanes never oversubscribe the cores the workers setting asked
 * for. The share is fixed when a job starts (cores that free up later in its phase stay idle).
 */
export function linalgLanes(workers: number, jobsAtOnce: number, cores = availableParallelism()): number {
  const w = Math.max(1, Math.floor(workers));
  return Math.max(1, Math.min(cores, Math.floor(w / Math.max(1, Math.min(w, jobsAtOnce)))));
}

/**
 * Training points from which 'auto' gives a gp job more than one factorization lane: measured on the
 * 2-core machine here (README, the compute pool), the n = 8000 float32 Cholesky took 9.0-10.0 s on one
 * lane and 6.5 s on two while the machine was quiet, and at n = 4000 two lanes gained nothing (each lane
 * starts its own backend, and the smaller trailing updates leave it idle between steps).
 */
export const AUTO_LANES_MIN_TRAIN = 6000;

/** 'auto' lanes for a job on `trainPoints` points: linalgLanes from AUTO_LANES_MIN_TRAIN, one below it. */
export function autoLanes(workers: number, jobsAtOnce: number, trainPoints: number, cores = availableParallelism()): number {
  return trainPoints < AUTO_LANES_MIN_TRAIN ? 1 : linalgLanes(workers, jobsAtOnce, cores);
}

/** Lines of a dead worker's stderr kept for its job's error. */
const STDERR_TAIL_LINES = 12;

/** The bundled worker script, dist/worker.js (see bundledScript). */
export function workerScript(): string {
  return bundledScript('worker.js');
}

/** Every worker still running: killed when this process exits, however it exits, so none outlives it. */
const running = new Set<ChildProcess>();
process.on('exit', () => running.forEach((child) => child.kill('SIGKILL')));

/** One worker process. It runs one job at a time; after a crash it is dead and a new one is started. */
export class WorkerProcess {
  private readonly child: ChildProcess;
  private readonly stderrLines: string[] = [];
  private partialLine = '';
  private readonly exited: Promise<void>;
  private exitReason: string | null = null;
  private onMessage: ((message: FromWorker) => void) | null = null;
  private ready: Promise<void>;
  private killed = false;
  private readonly variants = new Set<number>([0]);

  constructor(private readonly script: string) {
    this.child = fork(script, [], { serialization: 'advanced', stdio: ['ignore', 'ignore', 'pipe', 'ipc'], execArgv: [] });
    running.add(this.child);
    this.child.stderr!.setEncoding('utf8');
    this.child.stderr!.on('data', (chunk: string) => this.keepStderr(chunk));
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        running.delete(this.child);
        this.exitReason = signal ? `was killed by ${signal}` : `exited with code ${code}`;
        resolve();
      });
      this.child.once('error', (error) => {
        this.exitReason ??= `could not run: ${error.message}`;
        resolve();
      });
    });
    this.child.on('message', (message: FromWorker) => this.onMessage?.(message));
    this.ready = Promise.resolve();
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get alive(): boolean {
    return this.exitReason === null && !this.killed;
  }

  /** Sends the run's experiment and data; resolves when the worker's backend is up. */
  start(experiment: Experiment, dataset: Dataset, backend: BackendName): Promise<void> {
    return this.handshake({ type: 'init', experiment, dataset, backend });
  }

  /** Sends a kernel's network and points (kernelPool.ts); resolves when the worker's backend is up and its tiler ready. */
  startKernels(init: Extract<ToWorker, { type: 'kernelInit' }>): Promise<void> {
    return this.handshake(init);
  }

  private handshake(message: ToWorker): Promise<void> {
    this.ready = new Promise<void>((resolve, reject) => {
      this.onMessage = (reply) => {
        if (reply.type === 'ready') resolve();
        else if (reply.type === 'initFailed') reject(new IwlError('WORKER_FAILED', reply.error));
      };
      void this.exited.then(() => reject(new IwlError('WORKER_FAILED', this.deathMessage('while starting'))));
      this.send(message);
    });
    return this.ready;
  }

  /** Asks for the kernel tile at row r0 (kernelPool.ts); the worker answers requests in order, to `listen`'s handler. */
  requestTile(r0: number): void {
    this.send({ type: 'tile', r0 });
  }

  /** Hands every further message to `handler` (tile replies); call once the handshake has resolved. */
  listen(handler: (message: FromWorker) => void): void {
    this.onMessage = handler;
  }

  /** The error to fail with once the process is gone: its exit reason and stderr tail. */
  async death(when: string): Promise<IwlError> {
    await this.exited;
    return new IwlError('WORKER_FAILED', this.deathMessage(when));
  }

  /** Sends a sweep point's experiment and data, once per worker, before its jobs run here. */
  provide(variant: number, experiment: Experiment, dataset: Dataset): void {
    if (this.variants.has(variant)) return;
    this.variants.add(variant);
    this.send({ type: 'variant', variant, experiment, dataset });
  }

  /**
   * Runs one job; yields its logged predictions as they arrive. Throws CancelledError when the
   * signal fires (the worker is killed), and an IwlError with the stderr tail if the worker dies.
   */
  async *run(job: Job, hooks: JobHooks, signal: AbortSignal, lanes = 1): AsyncGenerator<LogPoint> {
    await this.ready;
    const queue: FromWorker[] = [];
    let wake: (() => void) | null = null;
    const notify = () => {
      const w = wake;
      wake = null;
      w?.();
    };
    this.onMessage = (message) => {
      queue.push(message);
      notify();
    };
    let dead = false;
    void this.exited.then(() => {
      dead = true;
      notify();
    });
    const onAbort = () => {
      this.kill();
      notify();
    };
    signal.addEventListener('abort', onAbort);
    try {
      this.send({ type: 'job', job, lanes });
      for (;;) {
        if (signal.aborted) throw new CancelledError();
        const message = queue.shift();
        if (!message) {
          if (dead) throw new IwlError('WORKER_FAILED', this.deathMessage(`while running ${job.id}`));
          await new Promise<void>((resolve) => (wake = resolve));
          continue;
        }
        switch (message.type) {
          case 'step':
            hooks.onStep(message.step);
            break;
          case 'point':
            yield message.point;
            break;
          case 'report':
            hooks.report(message.facts);
            break;
          case 'log':
            hooks.log(message.message);
            break;
          case 'done':
            if (message.error !== undefined) throw new IwlError('JOB_FAILED', message.error);
            return;
        }
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      this.onMessage = null;
    }
  }

  /** Ends the process at once (SIGKILL): Stop must not wait for a long synchronous computation. */
  kill(): void {
    this.killed = true;
    if (this.exitReason === null) this.child.kill('SIGKILL');
  }

  /** Resolves once the process is gone. */
  whenExited(): Promise<void> {
    return this.exited;
  }

  private send(message: ToWorker): void {
    if (!this.child.connected) return;
    this.child.send(message);
  }

  private keepStderr(chunk: string): void {
    const lines = (this.partialLine + chunk).split('\n');
    this.partialLine = lines.pop() ?? '';
    this.stderrLines.push(...lines.filter((l) => l.trim()));
    if (this.stderrLines.length > STDERR_TAIL_LINES) this.stderrLines.splice(0, this.stderrLines.length - STDERR_TAIL_LINES);
  }

  private deathMessage(when: string): string {
    const tail = [...this.stderrLines, ...(this.partialLine.trim() ? [this.partialLine] : [])].slice(-STDERR_TAIL_LINES);
    const reason = this.exitReason ?? 'stopped answering';
    return `worker process ${this.child.pid ?? '?'} ${reason} ${when}` + (tail.length ? `; its last stderr lines:\n  ${tail.join('\n  ')}` : '; it wrote nothing to stderr');
  }
}

export interface PoolSize {
  /** Workers the run uses. */
  workers: number;
  /** Why fewer than asked, for the log; null when as asked. */
  limitedBy: string | null;
  /** Estimated peak bytes with that many jobs at once. */
  peakBytes: number;
}

/** The memory budget of all workers together: half the machine's memory, as for one model. */
export function machineMemoryBudget(): number {
  return totalmem() / 2;
}

/**
 * How many workers a run can use: no more than asked, than it has jobs, or than fit in memory
 * together. Each worker holds its own job's peak (its own data copy, kernels and state, in its own
 * wasm heap capped near 4 GiB), so k workers need the sum of the k largest job estimates.
 */
export function poolSize(estimates: readonly number[], requested: number, budgetBytes = machineMemoryBudget()): PoolSize {
  const sorted = [...estimates].sort((a, b) => b - a);
  const asked = Math.max(1, Math.min(Math.floor(requested), sorted.length || 1));
  let workers = asked;
  const peakOf = (w: number) => sorted.slice(0, w).reduce((s, b) => s + b, 0);
  while (workers > 1 && peakOf(workers) > budgetBytes) workers--;
  const limitedBy =
    workers < asked ? `${asked} workers would need about ${formatBytes(peakOf(asked))} at once, over the memory budget of ${formatBytes(budgetBytes)}` : null;
  return { workers, limitedBy, peakBytes: peakOf(workers) };
}

/** Per-job memory estimates of a plan, from the per-model estimates (jobs of one model share one); `lanes` as estimateMemory's. */
export function jobMemory(experiment: Experiment, dataset: Dataset, jobs: readonly Job[], lanes = 1): number[] {
  const sizes = { train: dataset.xTrain.rows, test: dataset.xTest.rows, outputs: dataset.outputs };
  const perModel: ModelMemory[] = estimateMemory(experiment, dataset.inputDim, sizes, lanes);
  // A sweep's model may appear once per point with other settings: each job is estimated with its own spec.
  const own = (job: Job) => estimateMemory({ ...experiment, models: [job.model] }, dataset.inputDim, sizes, lanes)[0];
  return jobs.map((job) => (job.model.point ? own(job).bytes : perModel.find((m) => m.model === job.model.name)?.bytes ?? 0));
}
