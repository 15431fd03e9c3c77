/**
 * One table of error codes for the engine, the wire and the host. A code's name is what an
 * engine IwlError carries (engine/util/iwlError.ts; `iwl` prints it: "error DATA_CSV_SYNTAX: ...").
 * `wire` is the JSON-RPC ResponseError.code the engine answers a request with (beside JSON-RPC's
 * own codes); `host` is the kind of the host's EngineError (extension/engineClient.ts). A code has
 * the names of the places it reaches: a refused request all three, the host's own start and
 * connection failures only `host`, a problem inside a computation only its name.
 *
 * Pure data and functions, no imports: the engine, the host and the CLI all use it.
 */
export const errorCodes = {
  // --- A request the engine refuses (engine/main.ts).
  /** The experiment file has errors; the response's `data` is `Diagnostic[]`-shaped (engine/experiment/experimentTypes.ts). */
  INVALID_EXPERIMENT: { wire: -32001, host: 'invalid-experiment' },
  /** The backend cannot start (the message says why); also an IwlError of engine/backend.ts. */
  BACKEND_UNAVAILABLE: { wire: -32002, host: 'backend-unavailable' },
  /** `startRun` while another run is in progress: the engine runs one experiment at a time. */
  BUSY: { wire: -32003, host: 'busy' },
  /** `initialize` with another protocol version, or a request before `initialize`: the host reports it as the failed start or protocol error it is. */
  NOT_INITIALIZED: { wire: -32004 },
  /** The run folder cannot be created or written. */
  OUTPUT_FAILED: { wire: -32005, host: 'output-failed' },

  // --- The host's own: the engine process did not start, stopped, or answered nonsense.
  START_FAILED: { host: 'start-failed' },
  ENGINE_EXITED: { host: 'engine-exited' },
  PROTOCOL: { host: 'protocol' },

  // --- Inside the engine (IwlError): the CLI prints the code, a run records the message.
  INVALID_ARGUMENT: {},
  NOT_FINITE: {},
  NOT_POSITIVE_DEFINITE: {},
  EIGH_NO_CONVERGENCE: {},
  KERNEL_INPUT: {},
  KERNEL_STANDARD_PARAMETRIZATION: {},
  KERNEL_TOO_LARGE: {},
  OUTPUT_UNWRITABLE: {},
  DISK_FULL: {},
  WORKER_MISSING: {},
  WORKER_FAILED: {},
  JOB_FAILED: {},
  DATA_FILE_UNREADABLE: {},
  DATA_BAD_SIZE: {},
  DATA_BAD_NOISE: {},
  DATA_BAD_SPLIT: {},
  DATA_BAD_CLASSES: {},
  DATA_TOO_FEW_ROWS: {},
  DATA_TOO_MANY_SAMPLES: {},
  DATA_MNIST_UNAVAILABLE: {},
  DATA_CSV_BINARY: {},
  DATA_CSV_ENCODING: {},
  DATA_CSV_SYNTAX: {},
  DATA_CSV_NO_TARGET: {},
  DATA_CSV_NO_FEATURES: {},
  DATA_CSV_COLUMNS_MISMATCH: {},
  DATA_CSV_NOT_NUMERIC: {},
  DATA_CSV_MISSING_VALUE: {},
  DATA_NPY_INVALID: {},
  DATA_NPY_SHAPE_MISMATCH: {},

  // --- Sharded runs and Slurm (engine/run/mergeShards.ts, engine/cli/slurmCommand.ts).
  /** A folder given to `iwl merge` is not a shard folder, or its records do not read. */
  SHARD_FOLDER: {},
  /** Shard folders of different runs (shard count, experiment file or plan), or one shard twice. */
  SHARD_MISMATCH: {},
  /** `sbatch` could not be run or refused the script. */
  SLURM_FAILED: {},
} as const satisfies Record<string, { wire?: number; host?: string }>;

type Table = typeof errorCodes;

export type ErrorCode = keyof Table;

/** The codes a request can fail with on the wire. */
export type WireErrorCode = { [K in ErrorCode]: Table[K] extends { wire: number } ? K : never }[ErrorCode];

/** The kinds of the host's EngineError. */
export type HostErrorKind = { [K in ErrorCode]: Table[K] extends { host: infer H } ? H : never }[ErrorCode];

/** The JSON-RPC error code of a refused request. */
export function wireCode(code: WireErrorCode): number {
  return errorCodes[code].wire;
}

/** The host's kind for a JSON-RPC error code, if the table gives it one. */
export function hostKindOfWire(wire: number): HostErrorKind | undefined {
  for (const entry of Object.values(errorCodes) as { wire?: number; host?: HostErrorKind }[]) {
    if (entry.wire === wire) return entry.host;
  }
  return undefined;
}

/** The message of anything thrown: an Error's message, else the value as a string. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
