/**
 * Experiment file text -> the validated Experiment (experimentTypes.ts) or diagnostics. Never throws.
 *
 * Three passes: parse (parse.ts: syntax, duplicate keys), the schema (check.ts over schema.ts:
 * types, enums, ranges, unknown and missing keys, defaults), then the checks that span keys here:
 * network shape, data sources and files, models against the network, data and loss, memory.
 */
import { basename } from 'node:path';
import { BatchSize, DataSpec, Diagnostic, DiagnosticFix, Experiment, InfiniteMethod, LossName, ModelSpec, OptimizerName, OptimizerSpec, Range, TrainingSpec } from './experimentTypes';
import { formatOf, parseSource, type LineIndex, type SourceFormat, type SourceNode } from './parse';
import { extractSweeps, validateSweep } from './sweep';
import { memoizedHost } from './files';
import { CheckContext, INVALID, Invalid, checkNode, childPath, complete, completeFields } from './check';
import type { Checked } from './schemaDsl';
import { experimentSchema } from './schema';
import { ValidationHost, defaultMemoryBudget } from './validationHost';
import { buildNetwork, statedHiddenWidth } from './networkChecks';
import { architectureOf } from '../nn/architecture';
import { CheckedData, DataShape, checkData, rememberShape } from './dataChecks';
import { validationCount } from '../data/sources';
import { estimateMemory, formatBytes } from './memory';
import { errorMessage } from '../contract/errors';
import { defaultAdamSamples } from '../train/adamLimitDefaults';
import { replaceNumberFix, replaceWordFix } from './fixes';

export interface ValidationOptions {
  /** The file's path: picks YAML or JSON (by extension) and anchors relative paths. */
  filePath: string;
  host: ValidationHost;
}

export interface ValidationResult {
  /** Present exactly when no diagnostic is an error. */
  experiment: Experiment | null;
  /** Sorted by position. */
  diagnostics: Diagnostic[];
}

export function validateExperiment(text: string, options: ValidationOptions): ValidationResult {
  try {
    return validateUnguarded(String(text), options);
  } catch (error) {
    return { experiment: null, diagnostics: [internalError(error)] };
  }
}

/** A validator bug must still reach the user as a diagnostic, not a crash. */
export function internalError(error: unknown): Diagnostic {
  const message = errorMessage(error);
  return {
    code: 'internal-error',
    severity: 'error',
    message: `the validator failed (${message}); please report this with the file`,
    range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
  };
}

/** The file as the schema pass checked it: its parts, each INVALID where it failed. */
type CheckedFile = Exclude<Checked<typeof experimentSchema>, Invalid>;
type CheckedModel = Exclude<CheckedFile['models'], Invalid>[number];

function validateUnguarded(text: string, options: ValidationOptions): ValidationResult {
  const format = formatOf(options.filePath);
  const parsed = parseSource(text, format);
  if (!parsed.root) return finish(parsed.diagnostics, null);
  const sweeps = extractSweeps(parsed.root);
  const source = { lines: parsed.lines, format };
  if (!sweeps) return validateRoot(parsed.root, parsed.diagnostics, source, options);
  // Every point reads the same data files: read each once.
  const host = memoizedHost(options.host);
  const result = validateSweep(sweeps, (root) => validateRoot(root, [], source, { ...options, host }));
  return finish([...parsed.diagnostics, ...result.diagnostics], result.experiment);
}

/** Validates one source tree (a file without sweeps, or one point of a sweep). */
function validateRoot(root: SourceNode, parserDiagnostics: Diagnostic[], source: { lines: LineIndex; format: SourceFormat }, options: ValidationOptions): ValidationResult {
  const ctx = new CheckContext(source);
  const raw = checkNode(experimentSchema, root, '', ctx);
  const diagnostics = mergeDuplicates(parserDiagnostics, ctx.diagnostics);
  if (raw === INVALID) return finish(diagnostics, null);
  const experiment = buildExperiment(raw, options, ctx);
  return finish(mergeDuplicates(parserDiagnostics, ctx.diagnostics), experiment);
}

/** The schema pass re-reports a duplicate model name with its own code; drop the parser's plain duplicate-key there. */
function mergeDuplicates(parser: Diagnostic[], checker: Diagnostic[]): Diagnostic[] {
  const same = (a: Range, b: Range): boolean => a.start.line === b.start.line && a.start.character === b.start.character;
  const renamed = checker.filter((d) => d.code === 'duplicate-model-name');
  return [...parser.filter((d) => !(d.code === 'duplicate-key' && renamed.some((r) => same(r.range, d.range)))), ...checker];
}

function finish(diagnostics: Diagnostic[], experiment: Experiment | null): ValidationResult {
  const sorted = [...diagnostics].sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
  const hasError = sorted.some((d) => d.severity === 'error');
  return { experiment: hasError ? null : experiment, diagnostics: sorted };
}

function buildExperiment(raw: CheckedFile, options: ValidationOptions, ctx: CheckContext): Experiment | null {
  const network = buildNetwork(raw.network, 'network', ctx);
  const data = checkData(raw.data, options.filePath, options.host, ctx);
  const { loss, seed } = raw;
  const split = data ? holdOutValidation(data, raw.data, ctx) : null;
  const shape = split?.shape ?? null;
  const select = checkSelect(raw.select, split?.spec.validation, shape, ctx);

  if (loss === 'crossEntropy' && split?.shape?.task === 'regression') {
    const fix = ctx.source && replaceWordFix(ctx.source, ctx.rangeOf('loss'), 'mse');
    ctx.error('loss-needs-classes', 'loss', `crossEntropy needs class labels, but the data has regression targets (${describeData(split.spec)}); use loss mse`, ctx.rangeOf('loss'), fix);
  }
  if (network && shape?.outputs != null) checkReadoutWidth(network.layers, shape.outputs, ctx);
  const trainingSpec = checkTraining(raw.training, shape, ctx);

  const named = raw.models === INVALID ? null : raw.models;
  const models: ModelSpec[] = [];
  let modelsOk = named !== null;
  for (const entry of named ?? []) {
    const model = buildModel(entry, { network, trainingSpec, shape, loss, seed }, ctx);
    if (model) models.push(model);
    else modelsOk = false;
  }
  if (!network || !split || !trainingSpec || !modelsOk || loss === INVALID || seed === INVALID || raw.name === INVALID || select === INVALID) return null;
  for (const model of models) {
    if (model.kind === 'infinite' && model.method === 'adam' && !ctx.keyRanges.has(childPath(childPath('models', model.name), 'samples'))) {
      const auto = defaultAdamSamples(models, architectureOf(network).hidden.length);
      model.samples = { backward: auto, forward: auto };
    }
  }
  const experiment: Experiment = {
    name: typeof raw.name === 'string' ? raw.name : defaultName(options.filePath),
    seed,
    data: split.spec,
    network,
    loss,
    training: trainingSpec,
    models,
    ...(select ? { select } : {}),
  };
  if (shape) rememberShape(experiment.data, shape);
  if (shape && !ctx.diagnostics.some((d) => d.severity === 'error')) checkMemory(experiment, shape, options.host, ctx);
  return experiment;
}

/** `data.validation`: the split's size checked and taken from the training points (the shape's train is what trains). */
function holdOutValidation(data: CheckedData, d: CheckedFile['data'], ctx: CheckContext): CheckedData | null {
  if (d === INVALID || d.validation === INVALID) return null;
  if (typeof d.validation !== 'number') return data;
  const fraction = d.validation;
  const spec = { ...data.spec, validation: fraction };
  if (!data.shape) return { spec, shape: null };
  const held = validationCount(data.shape.train, fraction);
  if (held < 1 || data.shape.train - held < 1) {
    ctx.error('too-few-samples', 'data.validation', `${data.shape.train} training points with validation fraction ${fraction} leave ${data.shape.train - held} to train on and ${held} to validate on; each needs at least 1`, ctx.rangeOf('data.validation'));
    return null;
  }
  // Validation points are evaluated with the test points at every logged step: the estimates count them there.
  return { spec, shape: { ...data.shape, train: data.shape.train - held, test: data.shape.test + held } };
}

function checkSelect(select: CheckedFile['select'], validation: number | undefined, shape: DataShape | null, ctx: CheckContext): Experiment['select'] | null | Invalid {
  if (select === undefined) return null;
  if (select === INVALID || select.metric === INVALID) return INVALID;
  const { metric } = select;
  if (validation === undefined) {
    ctx.error('select-needs-validation', 'select', `choosing a best point by ${metric} needs a validation split: add data.validation (a fraction of the training points, e.g. 0.2); the test set is never used to choose`, ctx.keyRangeOf('select'));
    return INVALID;
  }
  if (metric === 'validationAccuracy' && shape?.task === 'regression') {
    ctx.error('select-needs-classes', 'select.metric', `validationAccuracy needs class labels, but the data has regression targets; use validationLoss`, ctx.rangeOf('select.metric'));
    return INVALID;
  }
  return { metric };
}

function defaultName(filePath: string): string {
  return basename(filePath).replace(/(\.iwl)?\.(ya?ml|json)$/i, '') || 'experiment';
}

function describeData(d: DataSpec): string {
  return d.source === 'synthetic' ? `synthetic ${d.kind}` : d.source === 'csv' ? 'csv with task regression' : d.source;
}

function checkReadoutWidth(layers: Experiment['network']['layers'], outputs: number, ctx: CheckContext): void {
  const index = layers.length - 1;
  const last = layers[index];
  if (last?.kind !== 'dense' || last.width === null || last.width === outputs) return;
  const p = `network.layers[${index}].dense.width`;
  const fix = replaceNumberFix(ctx.rangeOf(p), outputs, `one unit per output of the data`);
  ctx.error('readout-width-mismatch', p, `the readout has ${last.width} units but the data has ${outputs} output${outputs === 1 ? '' : 's'}; leave width out of the last dense layer`, ctx.rangeOf(p), fix);
}

function checkTraining(t: CheckedFile['training'], shape: DataShape | null, ctx: CheckContext): TrainingSpec | null {
  const spec = complete(t);
  if (spec === INVALID) return null;
  checkBatchSize(spec.batchSize, 'training.batchSize', shape, ctx);
  if (spec.logEvery > spec.steps) warnLogEvery('training', spec, ctx);
  return spec;
}

function checkBatchSize(batchSize: BatchSize, path: string, shape: DataShape | null, ctx: CheckContext): void {
  if (typeof batchSize !== 'number' || !shape || batchSize <= shape.train) return;
  const fix = replaceNumberFix(ctx.rangeOf(path), shape.train, 'every training point');
  ctx.error('batch-size-too-large', path, `${batchSize} is larger than the ${shape.train} training points; use at most ${shape.train}, or full`, ctx.rangeOf(path), fix);
}

function warnLogEvery(path: string, spec: { steps: number; logEvery: number }, ctx: CheckContext): void {
  const at = ctx.nodes.has(childPath(path, 'logEvery')) ? childPath(path, 'logEvery') : childPath(path, 'steps');
  ctx.warn('log-every-exceeds-steps', childPath(path, 'logEvery'), `${spec.logEvery} is larger than steps ${spec.steps}: only the first and last points will be logged`, ctx.rangeOf(at));
}

interface ModelContext {
  network: Experiment['network'] | null;
  trainingSpec: TrainingSpec | null;
  shape: DataShape | null;
  loss: LossName | Invalid;
  seed: number | Invalid;
}

const optimizerDefaults = { momentum: 0.9, beta1: 0.9, beta2: 0.999, eps: 1e-8 };

function buildModel(entry: CheckedModel, mc: ModelContext, ctx: CheckContext): ModelSpec | null {
  const path = childPath('models', entry.name);
  const given = (key: string): boolean => ctx.keyRanges.has(childPath(path, key));
  const optimizer = entry.value === INVALID ? null : buildOptimizer(entry.value, path, given('optimizer'), ctx);
  // Each key whole; parts of lists and mappings (widths, seeds, samples) are checked where they are read.
  const m = completeFields(entry.value);
  if (m === INVALID || optimizer === null) return null;
  let ok = true;
  const t = mc.trainingSpec;
  // The model's override, else the experiment's `training`.
  const steps = m.steps ?? t?.steps;
  const logEvery = m.logEvery ?? t?.logEvery;
  const batchSize = m.batchSize ?? t?.batchSize;
  if (given('batchSize') && m.batchSize !== undefined) checkBatchSize(m.batchSize, childPath(path, 'batchSize'), mc.shape, ctx);
  if ((given('steps') || given('logEvery')) && steps !== undefined && logEvery !== undefined && logEvery > steps) warnLogEvery(path, { steps, logEvery }, ctx);
  if (optimizer?.learningRate != null && given('learningRate') && m.learningRate !== optimizer.learningRate) {
    ctx.warn('conflicting-learning-rate', childPath(path, 'learningRate'), `${String(m.learningRate)} is overridden by optimizer.learningRate ${optimizer.learningRate}; set one of them`, ctx.rangeOf(childPath(path, 'learningRate')));
  }
  const learningRate = optimizer?.learningRate ?? m.learningRate ?? t?.learningRate;
  if (!t || steps === undefined || logEvery === undefined || batchSize === undefined || learningRate === undefined) return null;
  const common = { name: entry.name, optimizer, steps, learningRate, batchSize, logEvery, range: entry.keyRange };

  if (m.kind === 'finite') {
    const widths = finiteWidths(m.widths, path, mc.network, ctx);
    if (!widths) return null;
    const listed = complete(m.seeds);
    if (listed === INVALID) return null;
    const seeds = typeof listed === 'number' ? Array.from({ length: listed }, (_, i) => i) : listed;
    return { ...common, kind: 'finite', widths, seeds, trainable: m.trainable, centering: m.centering };
  }

  const { method } = m;
  if (mc.network?.parametrization === 'standard') {
    ctx.error('infinite-needs-ntk-parametrization', path, `infinite-width models need network.parametrization ntk (the NTK of the standard parametrization grows without bound with width), got standard`, entry.keyRange);
    ok = false;
  }
  if (given('optimizer')) ok = checkMethodOptimizer(method, optimizer.name, path, ctx) && ok;
  if (method === 'gp' && mc.loss === 'crossEntropy') {
    ctx.error('method-loss-mismatch', childPath(path, 'method'), `gp is the NNGP posterior mean, the solution for loss mse; with loss crossEntropy use method nngp or ntk`, ctx.rangeOf(childPath(path, 'method')));
    ok = false;
  }
  for (const key of ['samples', 'seed']) {
    if (given(key) && method !== 'adam') {
      ctx.warn('unused-key', childPath(path, key), `has no effect: only method adam uses Monte Carlo samples (this model's method is ${method})`, ctx.keyRangeOf(childPath(path, key)));
    }
  }
  if (!ok || mc.seed === INVALID) return null;
  const samples = complete(m.samples);
  if (samples === INVALID) return null;
  return { ...common, kind: 'infinite', method, diagReg: m.diagReg, samples: { backward: samples.backward, forward: samples.forward }, seed: m.seed ?? mc.seed };
}

/** The optimizer of a model with defaults filled; an absent one follows the method (adam and kernelAdam: adam). */
function buildOptimizer(m: Exclude<CheckedModel['value'], Invalid>, path: string, given: boolean, ctx: CheckContext): OptimizerSpec | null {
  const o = m.optimizer;
  if (o === INVALID) return null;
  if (!given || typeof o === 'string') {
    const name: OptimizerName = given && typeof o === 'string' ? o : m.kind === 'infinite' && (m.method === 'adam' || m.method === 'kernelAdam') ? 'adam' : 'sgd';
    return { name, learningRate: null, ...optimizerDefaults };
  }
  const spec = complete(o);
  if (spec === INVALID) return null;
  const { name } = spec;
  const op = childPath(path, 'optimizer');
  const unused = (key: string, who: string): void => {
    if (ctx.keyRanges.has(childPath(op, key))) ctx.warn('unused-key', childPath(op, key), `has no effect with optimizer ${name} (only ${who} uses it)`, ctx.keyRangeOf(childPath(op, key)));
  };
  if (name !== 'momentum') unused('momentum', 'momentum');
  if (name !== 'adam') for (const key of ['beta1', 'beta2', 'eps']) unused(key, 'adam');
  return {
    name,
    learningRate: spec.learningRate ?? null,
    momentum: spec.momentum,
    beta1: spec.beta1,
    beta2: spec.beta2,
    eps: spec.eps,
  };
}

function checkMethodOptimizer(method: InfiniteMethod, name: OptimizerName, path: string, ctx: CheckContext): boolean {
  const op = childPath(path, 'optimizer');
  const at = ctx.nodes.has(childPath(op, 'name')) ? childPath(op, 'name') : op;
  const fail = (message: string, fix?: DiagnosticFix): boolean => {
    ctx.error('method-optimizer-mismatch', op, message, ctx.rangeOf(at), fix);
    return false;
  };
  if (method === 'gp') return fail(`method gp takes no optimizer (the posterior mean needs no training steps), got ${name}; remove optimizer`);
  if ((method === 'adam' || method === 'kernelAdam') && name !== 'adam') return fail(`method ${method} needs optimizer adam, got ${name}`, ctx.source && replaceWordFix(ctx.source, ctx.rangeOf(at), 'adam'));
  if ((method === 'ntk' || method === 'nngp') && name === 'adam') return fail(`method ${method} is the limit of sgd or momentum training, got adam; use method adam for the Adam limit`);
  return true;
}

function finiteWidths(listed: (number | Invalid)[] | undefined, path: string, network: Experiment['network'] | null, ctx: CheckContext): number[] | null {
  if (listed !== undefined) {
    const widths = complete(listed);
    return widths === INVALID ? null : widths;
  }
  if (!network) return null;
  const stated = statedHiddenWidth(network);
  if (stated === undefined) return [1];
  if (stated === null) {
    ctx.error('missing-key', childPath(path, 'widths'), 'missing required key (the hidden dense layers do not all state one width, so the model must list its widths)', ctx.keyRangeOf(path));
    return null;
  }
  return [stated];
}

function checkMemory(experiment: Experiment, shape: DataShape, host: ValidationHost, ctx: CheckContext): void {
  const budget = typeof host.memoryBudgetBytes === 'number' && host.memoryBudgetBytes > 0 ? host.memoryBudgetBytes : defaultMemoryBudget();
  const estimates = estimateMemory(experiment, shape.inputDim, { train: shape.train, test: shape.test, outputs: shape.outputs ?? 1 });
  for (const estimate of estimates) {
    if (estimate.bytes <= budget) continue;
    const model = experiment.models.find((m) => m.name === estimate.model);
    if (!model) continue;
    const top = estimate.breakdown[0];
    ctx.error(
      'memory-over-budget',
      childPath('models', model.name),
      `needs about ${formatBytes(estimate.bytes)}, over the memory budget of ${formatBytes(budget)}; most of it is ${top.label}: ${formatBytes(top.bytes)}. ${model.kind === 'infinite' ? 'Use fewer train/test points' : 'Use smaller widths, a smaller batchSize or fewer points'}`,
      model.range,
    );
  }
}
