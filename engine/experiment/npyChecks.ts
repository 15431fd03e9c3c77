/**
 * `data: { source: npy, x, y, test }` checked before anything loads: the files by the path rules of
 * csv data (relative to the experiment, inside its folder tree), then their .npy headers (read
 * through the host's readPrefix, never the data): dtype, shape, and rows and columns that agree.
 */
import type { NpyDataSpec } from './experimentTypes';
import { CheckContext, INVALID, complete } from './check';
import type { ValidationHost } from './validationHost';
import { checkReferencedFile } from './files';
import { NPY_HEADER_PREFIX_BYTES, NpyError, parseNpyHeader } from '../util/npyHeader';
import { errorMessage } from '../contract/errors';
import type { CheckedData, CheckedDataFile } from './dataChecks';

interface ArrayFacts {
  file: string;
  shape: number[];
}

/** The header of one referenced .npy file; null after reporting why it cannot be used. */
function inspectNpy(file: string, key: string, host: ValidationHost, ctx: CheckContext): ArrayFacts | null {
  try {
    const header = parseNpyHeader(host.readPrefix!(file, NPY_HEADER_PREFIX_BYTES));
    return { file, shape: header.shape };
  } catch (error) {
    const message = error instanceof NpyError ? error.message : `cannot read it (${errorMessage(error)})`;
    ctx.error('npy-invalid', key, `${file}: ${message}`, ctx.rangeOf(key));
    return null;
  }
}

const shown = (shape: number[]) => `(${shape.join(', ')}${shape.length === 1 ? ',' : ''})`;

function checkInputs(x: ArrayFacts, key: string, ctx: CheckContext): boolean {
  if (x.shape.length === 2 && x.shape[1] >= 1) return true;
  ctx.error('npy-invalid', key, `${x.file} has shape ${shown(x.shape)}; inputs need shape [N, d] (one row per point)`, ctx.rangeOf(key));
  return false;
}

function checkTargets(y: ArrayFacts, x: ArrayFacts, key: string, ctx: CheckContext): boolean {
  if (y.shape.length !== 1 && y.shape.length !== 2) {
    ctx.error('npy-invalid', key, `${y.file} has shape ${shown(y.shape)}; targets need shape [N] (labels or one target) or [N, k]`, ctx.rangeOf(key));
    return false;
  }
  if (y.shape[0] !== x.shape[0]) {
    ctx.error('npy-shape-mismatch', key, `${y.file} has ${y.shape[0]} rows but ${x.file} has ${x.shape[0]}; x and y need one row per point`, ctx.rangeOf(key));
    return false;
  }
  return true;
}

export function checkNpy(raw: CheckedDataFile<'npy'>, filePath: string, host: ValidationHost, ctx: CheckContext): CheckedData | null {
  const d = complete(raw);
  if (d === INVALID) return null;
  const { task } = d;
  const testFiles = typeof d.test === 'object' ? d.test : null;
  const x = checkReferencedFile(d.x, 'data.x', filePath, host, ctx);
  const y = checkReferencedFile(d.y, 'data.y', filePath, host, ctx);
  const xTest = testFiles ? checkReferencedFile(testFiles.x, 'data.test.x', filePath, host, ctx) : null;
  const yTest = testFiles ? checkReferencedFile(testFiles.y, 'data.test.y', filePath, host, ctx) : null;
  if (!x || !y || (testFiles && (!xTest || !yTest))) return null;
  const spec: NpyDataSpec = { source: 'npy', x, y, test: xTest && yTest ? { x: xTest, y: yTest } : d.test, task };
  if (!host.readPrefix) return { spec, shape: null };

  const xa = inspectNpy(x, 'data.x', host, ctx);
  const ya = inspectNpy(y, 'data.y', host, ctx);
  if (!xa || !ya || !checkInputs(xa, 'data.x', ctx) || !checkTargets(ya, xa, 'data.y', ctx)) return null;
  let train = xa.shape[0];
  let test: number;
  if (typeof spec.test === 'object') {
    const xt = inspectNpy(spec.test.x, 'data.test.x', host, ctx);
    const yt = inspectNpy(spec.test.y, 'data.test.y', host, ctx);
    if (!xt || !yt || !checkInputs(xt, 'data.test.x', ctx) || !checkTargets(yt, xt, 'data.test.y', ctx)) return null;
    if (xt.shape[1] !== xa.shape[1]) {
      ctx.error('npy-shape-mismatch', 'data.test.x', `${xt.file} has ${xt.shape[1]} columns but ${xa.file} has ${xa.shape[1]}; test inputs need the same features`, ctx.rangeOf('data.test.x'));
      return null;
    }
    if (yt.shape.length !== ya.shape.length || (ya.shape.length === 2 && yt.shape[1] !== ya.shape[1])) {
      ctx.error('npy-shape-mismatch', 'data.test.y', `${yt.file} has shape ${shown(yt.shape)} but ${ya.file} has ${shown(ya.shape)}; test targets need the same columns`, ctx.rangeOf('data.test.y'));
      return null;
    }
    test = xt.shape[0];
    if (train < 1 || test < 1) {
      ctx.error('too-few-samples', train < 1 ? 'data.x' : 'data.test.x', `${train < 1 ? x : xTest} has no rows`, ctx.rangeOf(train < 1 ? 'data.x' : 'data.test.x'));
      return null;
    }
  } else {
    const rows = train;
    test = Math.round(spec.test * rows);
    train = rows - test;
    if (train < 1 || test < 1) {
      ctx.error('too-few-samples', 'data.test', `${rows} row${rows === 1 ? '' : 's'} with test fraction ${String(d.test)} leave ${train} for training and ${test} for testing; each needs at least 1`, ctx.rangeOf(ctx.nodes.has('data.test') ? 'data.test' : 'data.x'));
      return null;
    }
  }
  const outputs = ya.shape.length === 2 ? ya.shape[1] : task === 'regression' ? 1 : null;
  return { spec, shape: { train, test, inputDim: xa.shape[1], outputs, task } };
}
