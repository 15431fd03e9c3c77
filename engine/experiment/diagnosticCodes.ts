/**
 * Every diagnostic code the experiment and kernel-spec validators emit, with what it means.
 * Codes are stable: the CLI prints them, the extension and tests key on them. Add, never rename.
 */
export const diagnosticCodes = {
  // Reading the file
  'file-not-found': 'A file named on the command line does not exist.',
  'not-a-file': 'A path named on the command line is a folder or another non-regular file.',
  'file-unreadable': 'A file exists but cannot be read (permissions, I/O error).',
  'empty-file': 'The file is empty or holds only whitespace or comments.',
  'binary-file': 'The file holds NUL bytes: it is binary, not YAML or JSON text.',
  'invalid-utf8': 'The file is not valid UTF-8 text.',
  // Parsing
  'syntax-error': 'The YAML or JSON does not parse.',
  'yaml-warning': 'The YAML parses but with a warning (for example an unknown tag).',
  'invalid-key': 'A mapping key is empty, or a list or mapping instead of a name.',
  'duplicate-key': 'The same key appears twice in one mapping.',
  // Shape of values (from the schema)
  'wrong-type': 'A value has the wrong type (a string where a number belongs, a list where a mapping belongs, ...).',
  'missing-key': 'A required key is missing.',
  'unknown-key': 'A key the schema does not know (often a misspelling; a suggestion is given when one is close).',
  'unknown-value': 'A string that is not one of the allowed names (a suggestion is given when one is close).',
  'not-integer': 'A number that must be a whole number is not.',
  'out-of-range': 'A number outside its allowed range, or not finite.',
  'empty-list': 'A list that needs at least one item is empty.',
  'duplicate-item': 'A list whose items must be distinct repeats one.',
  'unknown-layer': 'A layer name that is neither dense nor a known activation.',
  'invalid-layer': 'A layer written neither as a name nor as a mapping with exactly one layer name.',
  'invalid-name': 'A model name with characters other than letters, digits, "-", "_" and ".".',
  // Meaning
  'no-models': 'The experiment defines no models.',
  'duplicate-model-name': 'Two models share a name.',
  'network-must-start-with-dense': 'The first layer of the network is not a dense layer.',
  'network-must-end-with-dense': 'The last layer of the network is not a dense layer (the readout).',
  'readout-width-mismatch': 'The readout states a width other than the number of outputs of the data.',
  'unequal-hidden-widths': 'Warning: hidden dense layers state different widths; finite models use one width per run.',
  'infinite-needs-ntk-parametrization': 'An infinite-width model on a network with the standard parametrization (its NTK diverges with width).',
  'method-optimizer-mismatch': 'An infinite model whose optimizer does not match its method (adam needs adam; ntk and nngp take sgd or momentum; gp takes none).',
  'method-loss-mismatch': 'An infinite model whose method cannot use the loss (gp is the MSE posterior).',
  'loss-needs-classes': 'Loss crossEntropy on data with regression targets.',
  'invalid-sweep': 'A sweep that is not a mapping of setting paths to non-empty lists of numbers, strings or booleans.',
  'invalid-sweep-path': 'A sweep key that is not the dotted path of a setting that can be swept.',
  'sweep-shadowed': 'Warning: a top-level sweep axis that a model overrides with its own setting or its own sweep of the same setting, so the axis changes nothing for that model.',
  'select-needs-validation': 'select chooses a best point by a validation metric, but data.validation holds out no points.',
  'npy-invalid': 'A .npy data file that does not read: not a .npy file, an unsupported dtype or layout, or cut short.',
  'npy-shape-mismatch': 'The .npy files of a data set do not agree in their number of rows, or have a shape data cannot use.',
  'select-needs-classes': 'select.metric validationAccuracy on data with regression targets.',
  'unused-key': 'Warning: a key that has no effect where it is (for example samples on a model whose method is not adam).',
  'conflicting-learning-rate': 'Warning: a model sets learningRate and its optimizer sets another; the optimizer\'s wins.',
  'log-every-exceeds-steps': 'Warning: logEvery is larger than steps, so only the first and last points are logged.',
  'batch-size-too-large': 'A batch size larger than the number of training points.',
  'referenced-file-not-found': 'A path in the file (csv data, kernel inputs) names no existing file.',
  'path-outside-experiment-folder': 'A path in the file resolves (after following links) outside the folder tree of the experiment file.',
  'csv-invalid': 'A referenced CSV file cannot be read as a table of numbers.',
  'csv-target-missing': 'The CSV target column is not a column of the file.',
  'too-many-samples': 'The data asks for more points than the source has.',
  'too-few-samples': 'The data leaves no training or no test points.',
  'memory-over-budget': 'A model whose memory estimate exceeds the memory budget.',
  'ragged-rows': 'Inline matrix rows of different lengths.',
  'matrix-shape-mismatch': 'x1 and x2 of a kernel spec have different numbers of columns.',
  'unsupported-matrix-format': 'A kernel input file that is neither .npy nor .csv.',
  // Last resort
  'internal-error': 'The validator itself failed (a bug); the message says how. Please report it with the file.',
} as const;

export type DiagnosticCode = keyof typeof diagnosticCodes;
