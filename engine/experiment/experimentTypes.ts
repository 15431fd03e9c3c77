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

// ------------------------------------------------------------------------------------- the experiment
//
// Every type below is read off the schema (schema.ts, through the DSL's `Infer`): the schema is the
// one definition of each key's type, and the checker fills defaults, so what it accepts is exactly
// these values. Where validation turns a key into something else (a model's effective training
// settings, a layer's `kind`, paths made absolute), the type says so next to the schema's part.

import type { Infer } from './schemaDsl';
import type { dataSchema, experimentSchema, finiteModelSchema, infiniteModelSchema, layerSchema, networkSchema, optimizerSchema, trainingSchema } from './schema';

/** An experiment file's keys as the schema checks them, defaults filled in (validate.ts turns it into an Experiment). */
export type ExperimentFile = Infer<typeof experimentSchema>;

/** One activation (engine/activations/: one file each, listed in registry.ts). */
export type { Activation, ActivationName } from '../activations/registry';
import type { Activation } from '../activations/registry';

type DenseOptions = Extract<Infer<typeof layerSchema>, { tag: 'dense' }>['params'];

/** A dense layer. `width` null means: the experiment decides (hidden: the model's width; last: one unit per output). */
export interface DenseLayer extends DenseOptions {
  kind: 'dense';
}

export interface ActivationLayer {
  kind: 'activation';
  activation: Activation;
}

export type Layer = DenseLayer | ActivationLayer;

type NetworkFile = Infer<typeof networkSchema>;

export type Parametrization = NetworkFile['parametrization'];

/** Starts with a dense layer and ends with a dense layer (the readout); validated. */
export interface Network extends Omit<NetworkFile, 'layers'> {
  layers: Layer[];
}

/**
 * Where the points come from. csv and npy paths are absolute (resolved against the experiment
 * file's folder by the validator); `test` is a fraction of the rows held out or the test file(s);
 * `task` null: inferred from the targets; `classes` null: all ten digits; `validation`: the
 * fraction of training points held out (seeded) to select models on, absent = none.
 */
export type DataSpec = Infer<typeof dataSchema>;

/** Arrays from .npy files (absolute paths); `test` a fraction of the rows or a second pair of files. */
export type NpyDataSpec = Extract<DataSpec, { source: 'npy' }>;

export type LossName = ExperimentFile['loss'];

type OptimizerSettings = Exclude<Infer<typeof optimizerSchema>, string>;

export type OptimizerName = OptimizerSettings['name'];

/** An optimizer with every setting filled (one given by name has the defaults). */
export interface OptimizerSpec extends Omit<OptimizerSettings, 'learningRate'> {
  /** Overrides the model's learning rate when set. */
  learningRate: number | null;
}

export interface TrainingSpec extends Infer<typeof trainingSchema> {}

export type BatchSize = TrainingSpec['batchSize'];

type FiniteModelFile = Infer<typeof finiteModelSchema>;
type InfiniteModelFile = Infer<typeof infiniteModelSchema>;

export type Trainable = FiniteModelFile['trainable'];

export type InfiniteMethod = InfiniteModelFile['method'];

/** The effective training settings (the model's override, else the experiment's `training`), and where the model is. */
interface ModelCommon extends TrainingSpec {
  name: string;
  optimizer: OptimizerSpec;
  /** Where the model's key sits in the source file (for code lenses and messages). */
  range: Range;
  /** The sweep point this spec runs at, inside a sweep's variant (engine/experiment/sweep.ts). */
  point?: SweepPoint;
}

/** `centering`: report f(x) - f_init(x) (SCIENCE.md section 2). `widths` and `seeds` are lists (a seed count n is 0..n-1). */
export interface FiniteModelSpec extends ModelCommon, Pick<FiniteModelFile, 'kind' | 'trainable' | 'centering'> {
  widths: NonNullable<FiniteModelFile['widths']>;
  seeds: Extract<FiniteModelFile['seeds'], readonly unknown[]>;
}

/**
 * `diagReg`: the diagonal regularizer added to kernel solves (gp) in units of the kernel's mean
 * diagonal; `samples`: R backward and C forward Monte Carlo samples per layer (method adam);
 * `seed`: the Monte Carlo seed (method adam), the experiment's seed when the model has none.
 */
export interface InfiniteModelSpec extends ModelCommon, Pick<InfiniteModelFile, 'kind' | 'method' | 'diagReg' | 'samples'>, Required<Pick<InfiniteModelFile, 'seed'>> {}

export type ModelSpec = FiniteModelSpec | InfiniteModelSpec;

/** `name`: the file's name without its extension when the file gives none; `select`: how each model's best point is chosen (needs data.validation). */
export interface Experiment extends Pick<ExperimentFile, 'seed' | 'data' | 'loss' | 'training' | 'select'>, Required<Pick<ExperimentFile, 'name'>> {
  network: Network;
  /** In file order; names are unique. */
  models: ModelSpec[];
  /** The expanded `sweep` keys, when the file has any; the fields above are then its first point. */
  sweep?: ExperimentSweep;
}
