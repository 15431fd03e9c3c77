/**
 * The validated, defaults-filled experiment: what every other part of the engine consumes.
 * Produced only by `validateExperiment` (engine/experiment/validate.ts) from a parsed file.
 * Plain data only: it crosses process boundaries as JSON.
 */

import type { ExperimentSweep, SweepPoint } from './sweep';

/** A position in a source file, 0-based like VS Code's Position. */
export interface Position {
  line: number;
  character: number;
}

/** A span in a source file, 0-based, end exclusive. `offset`/`endOffset` are UTF-16 offsets into the text. */
export interface Range {
  start: Position;
  end: Position;
}

export type Severity = 'error' | 'warning';

/** Replace the text in `range` with `newText` (an insertion where the range is empty). */
export interface TextEdit {
  range: Range;
  newText: string;
}

/** The edit that resolves a diagnostic, titled for an editor's Quick Fix menu. */
export interface DiagnosticFix {
  title: string;
  edits: TextEdit[];
}

/** One problem found in an experiment (or kernel spec) file. `code` is stable: tools and tests key on it. */
export interface Diagnostic {
  code: DiagnosticCode;
  severity: Severity;
  message: string;
  range: Range;
  /** Present when the validator knows the one edit that resolves it (a misspelling, a missing readout, a bound). */
  fix?: DiagnosticFix;
}

import type { DiagnosticCode } from './diagnosticCodes';

/** One activation (engine/activations/: one file each, listed in registry.ts). */
export type { Activation, ActivationName } from '../activations/registry';
import type { Activation } from '../activations/registry';

/** A dense layer. `width` null means: the experiment decides (hidden: the model's width; last: one unit per output). */
export interface DenseLayer {
  kind: 'dense';
  width: number | null;
  wStd: number;
  bStd: number;
}

export interface ActivationLayer {
  kind: 'activation';
  activation: Activation;
}

export type Layer = DenseLayer | ActivationLayer;

export type Parametrization = 'ntk' | 'standard';

/** Starts with a dense layer and ends with a dense layer (the readout); validated. */
export interface Network {
  parametrization: Parametrization;
  layers: Layer[];
}

/** `validation`: the fraction of training points held out (seeded) to select models on; absent = none. */
export type DataSpec = (
  | { source: 'mnist'; train: number; test: number; classes: number[] | null }
  | {
      source: 'csv';
      /** Absolute path (resolved against the experiment file's folder by the validator). */
      path: string;
      target: string;
      /** A fraction of rows held out for testing, or an absolute path to a second CSV file. */
      test: number | string;
      /** 'classification' when the target column holds class labels, else 'regression'; null = infer. */
      task: 'classification' | 'regression' | null;
    }
  | {
      source: 'synthetic';
      kind: 'teacher' | 'sine' | 'gaussians';
      inputDim: number;
      train: number;
      test: number;
      outputs: number;
      noise: number;
    }
  | NpyDataSpec
) & { validation?: number };

/** Arrays from .npy files (absolute paths); `test` a fraction of the rows or a second pair of files. */
export interface NpyDataSpec {
  source: 'npy';
  x: string;
  y: string;
  test: number | { x: string; y: string };
  task: 'classification' | 'regression' | null;
}

export type LossName = 'mse' | 'crossEntropy';

export type OptimizerName = 'sgd' | 'momentum' | 'adam';

export interface OptimizerSpec {
  name: OptimizerName;
  /** Overrides the model's learning rate when set. */
  learningRate: number | null;
  momentum: number;
  beta1: number;
  beta2: number;
  eps: number;
}

export type BatchSize = number | 'full';

export interface TrainingSpec {
  steps: number;
  learningRate: number;
  batchSize: BatchSize;
  logEvery: number;
}

export type Trainable = 'all' | 'readout' | 'linearized';

export type InfiniteMethod = 'ntk' | 'nngp' | 'gp' | 'adam' | 'kernelAdam';

interface ModelCommon {
  name: string;
  optimizer: OptimizerSpec;
  /** Effective values: the model's override, else the experiment's `training`. */
  steps: number;
  learningRate: number;
  batchSize: BatchSize;
  logEvery: number;
  /** Where the model's key sits in the source file (for code lenses and messages). */
  range: Range;
  /** The sweep point this spec runs at, inside a sweep's variant (engine/experiment/sweep.ts). */
  point?: SweepPoint;
}

export interface FiniteModelSpec extends ModelCommon {
  kind: 'finite';
  widths: number[];
  seeds: number[];
  trainable: Trainable;
  /** Report f(x) - f_init(x) (SCIENCE.md section 2). */
  centering: boolean;
}

export interface InfiniteModelSpec extends ModelCommon {
  kind: 'infinite';
  method: InfiniteMethod;
  /** Diagonal regularizer added to kernel solves (gp) in units of the kernel's mean diagonal. */
  diagReg: number;
  /** Monte Carlo sample counts for method adam: R backward and C forward samples per layer. */
  samples: { backward: number; forward: number };
  /** Seed of the Monte Carlo samples (method adam). */
  seed: number;
}

export type ModelSpec = FiniteModelSpec | InfiniteModelSpec;

export interface Experiment {
  name: string;
  seed: number;
  data: DataSpec;
  network: Network;
  loss: LossName;
  training: TrainingSpec;
  /** In file order; names are unique. */
  models: ModelSpec[];
  /** The expanded `sweep` keys, when the file has any; the fields above are then its first point. */
  sweep?: ExperimentSweep;
  /** How each model's best point is chosen (needs data.validation). */
  select?: { metric: 'validationLoss' | 'validationAccuracy' };
}
