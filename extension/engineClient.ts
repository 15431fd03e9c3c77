/**
 * The host's side of the engine process: forks dist/engine.js lazily with an IPC channel, speaks
 * engine/contract/engineProtocol.ts over vscode-jsonrpc, and owns the process for its whole life. Plain Node (no
 * 'vscode' import) so that tests drive it against the real engine.
 *
 * - Start: `ensureStarted` forks and sends `initialize` (the handshake reports the backend).
 * - Runs: `startRun` returns a handle whose `finished` resolves exactly once: from the engine's
 *   `runFinished`, or, when the process dies, as failed with the exit reason and the stderr tail.
 * - Cancel: `cancelRun` asks the engine; if the run has not ended within `cancelGraceMs` (800 ms,
 *   so that Stop takes effect within a second even when a long computation holds the engine's
 *   event loop), the process is killed and the run ends as cancelled. The next request starts a
 *   fresh engine.
 */
import { fork, type ChildProcess } from 'node:child_process';
import {
  createMessageConnection,
  Emitter,
  IPCMessageReader,
  IPCMessageWriter,
  ResponseError,
  type Event,
  type MessageConnection,
} from 'vscode-jsonrpc/node';
import * as protocol from '../engine/contract/engineProtocol';
import { errorMessage, hostKindOfWire, type HostErrorKind } from '../engine/contract/errors';

export type EngineState = 'stopped' | 'starting' | 'ready' | 'crashed';

/** How to start the engine: the script, the Node that runs it, extra environment. */
export interface EngineLaunch {
  enginePath: string;
  execPath: string;
  env?: Record<string, string>;
}

export interface EngineClientOptions {
  launch: EngineLaunch;
  backend: string;
  cwd?: string;
  /** Lifecycle lines and the engine's stdout/stderr, for the log channel. */
  log?: (line: string) => void;
  stderrTailLines?: number;
  startTimeoutMs?: number;
  cancelGraceMs?: number;
}

/** Why the engine process ended. */
export interface EngineExit {
  code: number | null;
  signal: string | null;
  /** "exited with code 1", "was killed by SIGKILL", "could not start: ...". */
  reason: string;
  /** The last lines the engine wrote to stderr. */
  stderrTail: string[];
  /** True when the host stopped it (stop, restart, a forced cancel). */
  expected: boolean;
  /** True when runs were in progress: each of them ends failed (or cancelled) with this exit's reason. */
  hadRuns: boolean;
}

export interface RunEnd extends protocol.RunFinishedParams {
  /** Set when the run ended with the engine process rather than by the engine's own report. */
  engineExit?: EngineExit;
}

export interface RunHandle {
  runId: string;
  outDir: string;
  finished: Promise<RunEnd>;
}

/** A request the engine refused (invalid file, busy, backend unavailable) or a failed start; `code` is the error table's host kind. */
export class EngineError extends Error {
  constructor(
    readonly code: HostErrorKind,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
    this.name = 'EngineError';
  }
}

interface LiveRun {
  runId: string;
  outDir: string;
  finished: Promise<RunEnd>;
  resolve(end: RunEnd): void;
  started: number;
  cancelRequested: boolean;
}

export class EngineClient {
  private child: ChildProcess | null = null;
  private connection: MessageConnection | null = null;
  private starting: Promise<protocol.InitializeResult> | null = null;
  private stopping = false;
  private stderrTail: string[] = [];
  private readonly runs = new Map<string, LiveRun>();
  private _state: EngineState = 'stopped';
  private _info: protocol.InitializeResult | null = null;
  private _lastExit: EngineExit | null = null;
  private backend: string;
  private launchSpec: EngineLaunch;
  /** What the running engine was started with (a changed setting restarts it before the next run). */
  private launchedWith: { backend: string; execPath: string } | null = null;

  private readonly stateEmitter = new Emitter<EngineState>();
  private readonly progressEmitter = new Emitter<protocol.RunProgressParams>();
  private readonly exitEmitter = new Emitter<EngineExit>();
  readonly onDidChangeState: Event<EngineState> = this.stateEmitter.event;
  readonly onProgress: Event<protocol.RunProgressParams> = this.progressEmitter.event;
  readonly onDidExit: Event<EngineExit> = this.exitEmitter.event;

  constructor(private readonly options: EngineClientOptions) {
    this.backend = options.backend;
    this.launchSpec = options.launch;
  }

  get state(): EngineState {
    return this._state;
  }

  /** The handshake's answer while the engine is ready. */
  get info(): protocol.InitializeResult | null {
    return this._info;
  }

  /** How the previous engine process ended (null before the first exit). */
  get lastExit(): EngineExit | null {
    return this._lastExit;
  }

  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  get activeRunIds(): string[] {
    return [...this.runs.keys()];
  }

  /**
   * The backend and Node for the next engine. A running engine keeps its own until it is idle at
   * the next `ensureStarted`, which then restarts it.
   */
  configure(backend: string, launch: EngineLaunch = this.launchSpec): void {
    this.backend = backend;
    this.launchSpec = launch;
  }

  /** Whether the running engine differs from the configured one. */
  get outdated(): boolean {
    return this.launchedWith !== null && (this.launchedWith.backend !== this.backend || this.launchedWith.execPath !== this.launchSpec.execPath);
  }

  get configuredBackend(): string {
    return this.backend;
  }

  ensureStarted(): Promise<protocol.InitializeResult> {
    if (this._state === 'ready' && this._info && !(this.outdated && this.runs.size === 0)) return Promise.resolve(this._info);
    if (!this.starting) {
      const restart = this._state === 'ready' && this.outdated;
      if (restart) this.log(`settings changed (backend ${this.launchedWith?.backend} -> ${this.backend}); restarting the engine`);
      this.starting = (restart ? this.stopProcess().then(() => this.launch()) : this.launch()).finally(() => {
        this.starting = null;
      });
    }
    return this.starting;
  }

  async startRun(params: protocol.StartRunParams): Promise<RunHandle> {
    await this.ensureStarted();
    const connection = this.connection;
    if (!connection) throw new EngineError('engine-exited', `the engine stopped before the run started${this.exitSuffix()}`);
    let resolve!: (end: RunEnd) => void;
    const finished = new Promise<RunEnd>((r) => (resolve = r));
    const live: LiveRun = { runId: params.runId, outDir: params.outDir, finished, resolve, started: Date.now(), cancelRequested: false };
    this.runs.set(params.runId, live);
    try {
      const result = await connection.sendRequest(protocol.startRun, params);
      live.outDir = result.outDir;
      return { runId: params.runId, outDir: result.outDir, finished };
    } catch (error) {
      this.runs.delete(params.runId);
      throw this.asEngineError(error);
    }
  }

  /**
   * Stops a run: 'stopped' when the engine ended it itself within the grace period, 'killed' when
   * the engine had to be killed, 'not-running' when no such run is live.
   */
  async cancelRun(runId: string): Promise<'stopped' | 'killed' | 'not-running'> {
    const live = this.runs.get(runId);
    if (!live) return 'not-running';
    live.cancelRequested = true;
    const grace = this.options.cancelGraceMs ?? 800;
    const deadline = Date.now() + grace;
    const ended = live.finished.then(() => true);
    this.connection?.sendRequest(protocol.cancelRun, { runId }).catch(() => undefined);
    const inTime = await Promise.race([ended, delay(grace).then(() => false)]);
    if (inTime) return 'stopped';
    this.log(`run ${runId} did not stop within ${grace} ms of the cancel request; ending the engine (pid ${this.pid})`);
    this.killChild(true);
    await live.finished;
    if (Date.now() > deadline + 1000) this.log(`the engine took ${Date.now() - deadline + grace} ms to end`);
    return 'killed';
  }

  /** Stops the engine (cancelling its runs) and starts a fresh one. */
  async restart(): Promise<protocol.InitializeResult> {
    await this.stop();
    return this.ensureStarted();
  }

  /** Asks the engine to exit (its runs end as cancelled); kills it if it does not within 2 s. */
  async stop(): Promise<void> {
    if (this.starting) await this.starting.catch(() => undefined);
    await this.stopProcess();
  }

  private async stopProcess(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.stopping = true;
    for (const live of this.runs.values()) live.cancelRequested = true;
    const closed = new Promise<void>((r) => child.once('close', () => r()));
    this.connection?.sendRequest(protocol.shutdown).catch(() => undefined);
    const inTime = await Promise.race([closed.then(() => true), delay(2000).then(() => false)]);
    if (!inTime && this.child === child) {
      this.killChild(true);
      await Promise.race([closed, delay(2000)]);
    }
  }

  dispose(): void {
    if (this.child) {
      this.stopping = true;
      this.connection?.sendRequest(protocol.shutdown).catch(() => undefined);
      const child = this.child;
      setTimeout(() => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }, 1500).unref();
    }
    this.stateEmitter.dispose();
    this.progressEmitter.dispose();
    this.exitEmitter.dispose();
  }

  // ------------------------------------------------------------------------------------ internals

  private async launch(): Promise<protocol.InitializeResult> {
    const launch = this.launchSpec;
    const started = Date.now();
    this.setState('starting');
    this.stopping = false;
    this.stderrTail = [];
    this.log(`starting the engine: ${launch.execPath} ${launch.enginePath} (backend ${this.backend})`);
    let child: ChildProcess;
    try {
      child = fork(launch.enginePath, [], {
        execPath: launch.execPath,
        execArgv: [],
        cwd: this.options.cwd,
        env: { ...process.env, ...launch.env },
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      });
    } catch (error) {
      this.setState('crashed');
      throw new EngineError('start-failed', `the engine could not start (${launch.execPath}): ${errorMessage(error)}`);
    }
    this.child = child;
    const connection = createMessageConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
    this.connection = connection;
    forEachLine(child.stdout, (line) => this.log(`[engine] ${line}`));
    forEachLine(child.stderr, (line) => {
      this.stderrTail.push(line);
      if (this.stderrTail.length > (this.options.stderrTailLines ?? 40)) this.stderrTail.shift();
      this.log(`[engine stderr] ${line}`);
    });
    connection.onNotification(protocol.runProgress, (batch) => this.progressEmitter.fire(batch));
    connection.onNotification(protocol.runFinished, (finished) => this.finishRun(finished));
    connection.onNotification(protocol.engineLog, ({ message }) => this.log(`[engine] ${message}`));
    connection.onError(() => undefined); // the process exit is the one place that reports a broken engine
    connection.listen();

    let spawnError: Error | null = null;
    let exitSeen: EngineExit | null = null;
    const ended = new Promise<EngineExit>((resolve) => {
      child.once('error', (error) => {
        spawnError = error;
        // A failed spawn emits no 'close' on some Node versions.
        if (child.pid === undefined) resolve((exitSeen = this.onClosed(child, null, null, error)));
      });
      child.once('close', (code, signal) => resolve((exitSeen = exitSeen ?? this.onClosed(child, code, signal, spawnError))));
    });

    const timeoutMs = this.options.startTimeoutMs ?? 120_000;
    let timer: NodeJS.Timeout | undefined;
    try {
      const info = await Promise.race([
        connection.sendRequest(protocol.initialize, { protocolVersion: protocol.protocolVersion, backend: this.backend }),
        ended.then((exit): never => {
          throw new EngineError('start-failed', `the engine ${exit.reason} while starting${tailText(exit.stderrTail)}`);
        }),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new EngineError('start-failed', `the engine did not answer the handshake within ${timeoutMs / 1000} s`)), timeoutMs);
        }),
      ]);
      this._info = info;
      this.launchedWith = { backend: this.backend, execPath: launch.execPath };
      this.setState('ready');
      this.log(`engine ready in ${Date.now() - started} ms (pid ${info.pid}, Node ${info.node}, ${info.backend.detail}; engine-side startup ${info.startupMs} ms)`);
      return info;
    } catch (error) {
      // The process's end explains a failed handshake better than the closed connection does.
      const exit = exitSeen as EngineExit | null;
      const failure = exit ? new EngineError('start-failed', `the engine ${exit.reason} while starting${tailText(exit.stderrTail)}`) : this.asEngineError(error, 'start-failed');
      this.log(`engine start failed: ${failure.message}`);
      if (this.child === child) this.killChild(true);
      throw failure;
    } finally {
      clearTimeout(timer);
    }
  }

  private onClosed(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null, spawnError: Error | null): EngineExit {
    const expected = this.stopping;
    const reason = spawnError
      ? `could not start (${errorMessage(spawnError)})`
      : signal
        ? `was killed by ${signal}`
        : `exited with code ${code}`;
    const exit: EngineExit = { code, signal, reason, stderrTail: [...this.stderrTail], expected, hadRuns: this.child === child && this.runs.size > 0 };
    if (this.child !== child) return exit;
    this.child = null;
    this.connection?.dispose();
    this.connection = null;
    this._info = null;
    this.launchedWith = null;
    this._lastExit = exit;
    this.log(`engine ${reason}${expected ? '' : ' unexpectedly'}`);
    for (const live of [...this.runs.values()]) {
      const cancelled = live.cancelRequested;
      const end: RunEnd = {
        runId: live.runId,
        status: cancelled ? 'cancelled' : 'failed',
        seconds: (Date.now() - live.started) / 1000,
        outDir: live.outDir,
        engineExit: exit,
      };
      end.error = cancelled ? `stopped by ending the engine (it ${reason})` : `the engine process ${reason}${tailText(exit.stderrTail)}`;
      this.runs.delete(live.runId);
      live.resolve(end);
    }
    this.setState(expected ? 'stopped' : 'crashed');
    this.exitEmitter.fire(exit);
    return exit;
  }

  private finishRun(finished: protocol.RunFinishedParams): void {
    const live = this.runs.get(finished.runId);
    if (!live) return;
    this.runs.delete(finished.runId);
    live.resolve({ ...finished });
  }

  private killChild(expected: boolean): void {
    if (!this.child) return;
    if (expected) this.stopping = true;
    this.child.kill('SIGKILL');
  }

  private setState(state: EngineState): void {
    if (this._state === state) return;
    this._state = state;
    this.stateEmitter.fire(state);
  }

  private asEngineError(error: unknown, fallback: EngineError['code'] = 'protocol'): EngineError {
    if (error instanceof EngineError) return error;
    if (error instanceof ResponseError) return new EngineError(hostKindOfWire(error.code) ?? fallback, error.message, error.data);
    return new EngineError(this.child ? fallback : 'engine-exited', `${errorMessage(error)}${this.exitSuffix()}`);
  }

  private exitSuffix(): string {
    return this._lastExit ? ` (the engine ${this._lastExit.reason})` : '';
  }

  private log(line: string): void {
    this.options.log?.(line);
  }
}

function forEachLine(stream: NodeJS.ReadableStream | null, onLine: (line: string) => void): void {
  if (!stream) return;
  let buffer = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    buffer += chunk;
    let newline: number;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, newline).replace(/\r$/, '');
      buffer = buffer.slice(newline + 1);
      if (line.trim()) onLine(line);
    }
  });
  stream.on('end', () => {
    if (buffer.trim()) onLine(buffer);
    buffer = '';
  });
}

function tailText(lines: string[]): string {
  // The first line stays one sentence (notifications and the run panel show only it).
  return lines.length ? `.\nIts last stderr lines:\n${lines.map((l) => `  ${l}`).join('\n')}` : '.';
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
