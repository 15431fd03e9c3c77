/**
 * Sweeps: a `sweep` mapping of setting paths to lists of values, at the top level of an
 * experiment file or inside one model, expanded as a grid (the Cartesian product):
 *
 *   sweep:
 *     training.learningRate: [0.5, 2, 8, 32]
 *     network.layers[0].dense.wStd: [1.0, 1.5]
 *   models:
 *     adam: { kind: finite, optimizer: adam, sweep: { optimizer.learningRate: [0.001, 0.01] } }
 *
 * A top-level path starts at the top of the file; a model's paths start at the model. Each point
 * is written into the source tree (the value keeps its own source range, a key the path creates
 * takes the path's range) and the whole file is validated again by the schema and every other
 * check, so a wrong path, type or range is reported where the sweep says it, as any other problem.
 * A model's own points multiply only that model's jobs; top-level points multiply every model's.
 */
import type { SourceEntry, SourceMap, SourceNode } from './parse';
import type { Diagnostic, Experiment, ModelSpec, Range } from './experimentTypes';
import type { DiagnosticCode } from './diagnosticCodes';

export type SweepValue = number | string | boolean;
/** The value of each swept setting by its path as written (a model's paths relative to the model). */
export type SweepPoint = Record<string, SweepValue>;

export interface SweepAxis {
  /** The model whose `sweep` holds this axis; null for the top level. */
  model: string | null;
  /** As written: `training.learningRate`, or `optimizer.learningRate` inside a model. */
  path: string;
  /** Its short name in job ids (`lr` in `adam/lr=0.01/w512/s0`); unique among the file's paths. */
  label: string;
  values: SweepValue[];
}

/** One point of the top-level grid: the experiment there, each model once per point of its own grid. */
export interface SweepVariant {
  point: SweepPoint;
  experiment: Experiment;
}

export interface ExperimentSweep {
  axes: SweepAxis[];
  /** One per top-level point, in grid order (the last axis varies fastest). */
  variants: SweepVariant[];
}

/** How a sweep's point is written in job ids: `lr=0.01/wStd=1.5` (one id segment per setting); '' for the empty point. */
export function pointLabel(point: SweepPoint | undefined, axes: readonly SweepAxis[]): string {
  if (!point) return '';
  const labels = new Map(axes.map((a) => [a.path, a.label]));
  return Object.entries(point)
    .map(([path, value]) => `${labels.get(path) ?? path}=${String(value)}`)
    .join('/');
}

// ------------------------------------------------------------------------------------- paths

type Segment = string | number;

/** `network.layers[0].dense.wStd` -> ['network', 'layers', 0, 'dense', 'wStd']; null when malformed. */
export function parsePath(path: string): Segment[] | null {
  return parsePathAt(path)?.segments ?? null;
}

/** The segments of a path and where each starts in it (an index at its `[`). */
function parsePathAt(path: string): { segments: Segment[]; offsets: number[] } | null {
  const segments: Segment[] = [];
  const offsets: number[] = [];
  const re = /([A-Za-z_$][\w$-]*)((?:\[\d+\])*)(\.|$)/y;
  let at = 0;
  while (at < path.length) {
    re.lastIndex = at;
    const m = re.exec(path);
    if (!m) return null;
    segments.push(m[1]);
    offsets.push(at);
    for (const index of m[2].matchAll(/\[(\d+)\]/g)) {
      segments.push(Number(index[1]));
      offsets.push(at + m[1].length + index.index!);
    }
    at = re.lastIndex;
    if (m[3] === '.' && at === path.length) return null;
  }
  return segments.length ? { segments, offsets } : null;
}

/**
 * The range of each segment's name inside the sweep key at `keyRange` (plain or quoted, on one
 * line), so a problem with one key of the path, and its Quick Fix, is at that key; the whole key
 * where its text is not the path as written (an escape in quotes).
 */
function segmentRanges(keyRange: Range, path: string, segments: Segment[], offsets: number[]): Range[] {
  const width = keyRange.end.character - keyRange.start.character;
  const shift = keyRange.start.line !== keyRange.end.line ? -1 : width === path.length ? 0 : width === path.length + 2 ? 1 : -1;
  if (shift < 0) return segments.map(() => keyRange);
  const { line, character } = keyRange.start;
  return segments.map((segment, i) => {
    const start = character + shift + offsets[i];
    const length = typeof segment === 'number' ? String(segment).length + 2 : segment.length;
    return { start: { line, character: start }, end: { line, character: start + length } };
  });
}

const abbreviations: Record<string, string> = { learningRate: 'lr', batchSize: 'bs', momentum: 'mom', logEvery: 'log', diagReg: 'reg' };

/** Short unique names for paths: the last segment (abbreviated), with more of the path where two would clash. */
export function shortLabels(paths: readonly string[]): Map<string, string> {
  const distinct = [...new Set(paths)];
  const parts = distinct.map((p) => (parsePath(p) ?? [p]).map((s, i, all) => (typeof s === 'number' ? String(s) : i === all.length - 1 ? abbreviations[s] ?? s : s)));
  const out = new Map<string, string>();
  const lengths = distinct.map(() => 1);
  for (let round = 0; round < 16; round++) {
    const names = parts.map((segments, i) => segments.slice(-lengths[i]).join('.'));
    let clash = false;
    names.forEach((name, i) => {
      if (names.some((other, j) => j !== i && other === name) && lengths[i] < parts[i].length) {
        lengths[i]++;
        clash = true;
      }
    });
    if (!clash) {
      names.forEach((name, i) => out.set(distinct[i], name));
      return out;
    }
  }
  distinct.forEach((p) => out.set(p, p));
  return out;
}

// ------------------------------------------------------------------------------------- extraction

interface RawAxis {
  model: string | null;
  path: string;
  segments: Segment[];
  keyRange: Range;
  /** Each segment's own range in the key (segmentRanges). */
  segmentRanges: Range[];
  nodes: SourceNode[];
}

interface Extracted {
  /** The file without its `sweep` keys. */
  base: SourceMap;
  axes: RawAxis[];
  diagnostics: Diagnostic[];
}

const error = (code: DiagnosticCode, message: string, range: Range): Diagnostic => ({ code, severity: 'error', message, range });

/** Takes the `sweep` keys out of the file; null when it has none. */
export function extractSweeps(root: SourceNode): Extracted | null {
  if (root.kind !== 'map') return null;
  const diagnostics: Diagnostic[] = [];
  const axes: RawAxis[] = [];
  let found = false;
  const take = (map: SourceMap, model: string | null): SourceMap => {
    const sweeps = map.entries.filter((e) => e.key === 'sweep');
    if (!sweeps.length) return map;
    found = true;
    for (const entry of sweeps) axes.push(...readAxes(entry, model, diagnostics));
    return { ...map, entries: map.entries.filter((e) => e.key !== 'sweep') };
  };
  let base = take(root, null);
  const models = base.entries.find((e) => e.key === 'models');
  if (models?.value.kind === 'map') {
    const modelsMap = models.value;
    const entries = modelsMap.entries.map((m) => (m.value.kind === 'map' ? { ...m, value: take(m.value, m.key) } : m));
    base = { ...base, entries: base.entries.map((e) => (e === models ? { ...e, value: { ...modelsMap, entries } } : e)) };
  }
  return found ? { base, axes, diagnostics } : null;
}

function readAxes(entry: SourceEntry, model: string | null, diagnostics: Diagnostic[]): RawAxis[] {
  const where = model === null ? 'sweep' : `models.${model}.sweep`;
  const node = entry.value;
  if (node.kind !== 'map' || node.entries.length === 0) {
    diagnostics.push(error('invalid-sweep', `${where}: must be a mapping of setting paths to lists of values (training.learningRate: [0.1, 1]), got ${node.kind === 'map' ? 'an empty mapping' : node.kind === 'seq' ? 'a list' : 'a single value'}`, node.kind === 'map' ? entry.keyRange : node.range));
    return [];
  }
  const out: RawAxis[] = [];
  for (const axis of node.entries) {
    const parsed = parsePathAt(axis.key);
    if (!parsed) {
      diagnostics.push(error('invalid-sweep-path', `${where}: ${JSON.stringify(axis.key)} is not a setting path: write keys joined by dots, with [i] for a list item (network.layers[0].dense.wStd)`, axis.keyRange));
      continue;
    }
    const { segments } = parsed;
    const first = segments[0];
    if (first === 'sweep' || (model === null && first === 'select') || (model !== null && (first === 'kind' || first === 'sweep'))) {
      diagnostics.push(error('invalid-sweep-path', `${where}: ${axis.key} cannot be swept`, axis.keyRange));
      continue;
    }
    const values = axis.value;
    if (values.kind !== 'seq' || values.items.length === 0) {
      diagnostics.push(error('invalid-sweep', `${where}.${axis.key}: must be a list of at least one value to try, got ${values.kind === 'seq' ? 'an empty list' : values.kind === 'map' ? 'a mapping' : 'a single value (write it as a list: [value])'}`, values.range));
      continue;
    }
    const bad = values.items.find((v) => v.kind !== 'scalar' || v.value === null);
    if (bad) {
      diagnostics.push(error('invalid-sweep', `${where}.${axis.key}: each value must be a number, a string or true/false, got ${bad.kind === 'seq' ? 'a list' : bad.kind === 'map' ? 'a mapping' : 'nothing (null)'}`, bad.range));
      continue;
    }
    const seen = new Map<SweepValue, number>();
    let repeated = false;
    values.items.forEach((v, i) => {
      const value = (v as { value: SweepValue }).value;
      if (seen.has(value) && !repeated) {
        diagnostics.push(error('duplicate-item', `${where}.${axis.key}[${i}]: ${String(value)} repeats item ${seen.get(value)}; each value is tried once`, v.range));
        repeated = true;
      } else seen.set(value, i);
    });
    if (out.some((a) => a.path === axis.key)) continue; // a duplicate key: the parser reports it
    if (!repeated) out.push({ model, path: axis.key, segments, keyRange: axis.keyRange, segmentRanges: segmentRanges(axis.keyRange, axis.key, segments, parsed.offsets), nodes: values.items });
  }
  return out;
}

// ------------------------------------------------------------------------------------- applying a point

/**
 * The tree with `value` written at `segments` below `node`; only the nodes on the path are copied.
 * A key the path names and the file lacks is created (its key range: its segment's in the sweep's
 * path, `keyRanges`, marked `swept`), so a key the schema does not know is reported there and its
 * Quick Fix renames that segment. A string that the path enters becomes a
 * mapping: `dense` entered by `dense.wStd` becomes `dense: {}`, `adam` entered by `learningRate`
 * becomes `{ name: adam }` (the optimizer's mapping form). A list index must exist.
 */
function setAt(node: SourceNode | null, segments: Segment[], value: SourceNode, keyRanges: Range[], path: string): SourceNode | string {
  if (segments.length === 0) return value;
  const [segment, ...rest] = segments;
  const [keyRange, ...restRanges] = keyRanges;
  const range = node?.range ?? keyRange;
  if (typeof segment === 'number') {
    if (node?.kind !== 'seq') return `${path}: the setting before [${segment}] is not a list in the file`;
    if (segment >= node.items.length) return `${path}: [${segment}] is past the end of a list of ${node.items.length} item${node.items.length === 1 ? '' : 's'}`;
    const child = setAt(node.items[segment], rest, value, restRanges, path);
    if (typeof child === 'string') return child;
    return { ...node, items: node.items.map((item, i) => (i === segment ? child : item)) };
  }
  let map: SourceMap;
  if (!node || (node.kind === 'scalar' && node.value === null)) map = { kind: 'map', entries: [], range };
  else if (node.kind === 'map') map = node;
  else if (node.kind === 'scalar' && typeof node.value === 'string') {
    const empty: SourceNode = { kind: 'map', entries: [], range: node.range };
    map = node.value === segment
      ? { kind: 'map', entries: [{ key: node.value, keyRange: node.range, value: empty }], range: node.range }
      : { kind: 'map', entries: [{ key: 'name', keyRange: node.range, value: node }], range: node.range };
  } else return `${path}: the setting before ${segment} is ${node.kind === 'seq' ? 'a list' : 'a single value'} in the file, not a mapping`;
  const index = map.entries.findIndex((e) => e.key === segment);
  const child = setAt(index >= 0 ? map.entries[index].value : null, rest, value, restRanges, path);
  if (typeof child === 'string') return child;
  const entries = index >= 0
    ? map.entries.map((e, i) => (i === index ? { ...e, value: child } : e))
    : [...map.entries, { key: segment, keyRange, value: child, swept: true }];
  return { ...map, entries };
}

function applyAxes(base: SourceMap, picks: { axis: RawAxis; index: number }[]): SourceNode | Diagnostic {
  let root: SourceNode = base;
  for (const { axis, index } of picks) {
    const segments = axis.model === null ? axis.segments : ['models', axis.model, ...axis.segments];
    const ranges = axis.model === null ? axis.segmentRanges : [axis.keyRange, axis.keyRange, ...axis.segmentRanges];
    const next = setAt(root, segments, axis.nodes[index], ranges, axis.path);
    if (typeof next === 'string') return error('invalid-sweep-path', `${axis.model === null ? 'sweep' : `models.${axis.model}.sweep`}: ${next}`, axis.keyRange);
    root = next;
  }
  return root;
}

/** Every combination of indices into lists of these lengths, the last varying fastest. */
function grid(lengths: number[]): number[][] {
  let out: number[][] = [[]];
  for (const n of lengths) out = out.flatMap((prefix) => Array.from({ length: n }, (_, i) => [...prefix, i]));
  return out;
}

// ------------------------------------------------------------------------------------- shadowed axes

/** The `training` keys a model may override with its own (the schema's model training keys). */
const inheritedTrainingKeys = new Set(['steps', 'learningRate', 'batchSize', 'logEvery']);

/** The entry at `segments` below `node` in the source, or null where the file does not set it. */
function entryAt(node: SourceNode | undefined, segments: Segment[]): SourceEntry | null {
  let entry: SourceEntry | null = null;
  let at = node;
  for (const segment of segments) {
    if (typeof segment === 'number') {
      if (at?.kind !== 'seq' || segment >= at.items.length) return null;
      at = at.items[segment];
      continue;
    }
    if (at?.kind !== 'map') return null;
    entry = at.entries.find((e) => e.key === segment) ?? null;
    if (!entry) return null;
    at = entry.value;
  }
  return entry;
}

/**
 * Warnings for top-level axes that some model overrides, so the sweep changes nothing there:
 * `training.learningRate` when a model sets its own `learningRate` or `optimizer.learningRate`
 * (in the file or in its own sweep), and likewise for the other training keys; a top-level
 * `models.m.<path>` when model m's own sweep sets the same path (a model's points are written last).
 */
function shadowedAxes(extracted: Extracted): Diagnostic[] {
  const out: Diagnostic[] = [];
  const models = extracted.base.entries.find((e) => e.key === 'models')?.value;
  if (models?.kind !== 'map') return out;
  for (const axis of extracted.axes) {
    if (axis.model !== null) continue;
    const [first, second, ...rest] = axis.segments;
    for (const model of models.entries) {
      // The model-relative paths that win over this axis, each with whether the file's own setting counts.
      let winners: { path: string; inFile: boolean }[] = [];
      if (first === 'training' && typeof second === 'string' && rest.length === 0 && inheritedTrainingKeys.has(second)) {
        winners = [{ path: second, inFile: true }];
        if (second === 'learningRate') winners.push({ path: 'optimizer.learningRate', inFile: true });
      } else if (first === 'models' && second === model.key && rest.length > 0) {
        const own = axis.path.slice(`models.${model.key}.`.length);
        winners = [{ path: own, inFile: false }];
        if (own === 'learningRate') winners.push({ path: 'optimizer.learningRate', inFile: true });
      }
      for (const winner of winners) {
        const swept = extracted.axes.find((a) => a.model === model.key && a.path === winner.path);
        const set = winner.inFile ? entryAt(model.value, parsePath(winner.path) ?? []) : null;
        if (!swept && !set) continue;
        const line = (swept?.keyRange ?? set!.keyRange).start.line + 1;
        const how = swept ? `its own sweep of ${winner.path} (line ${line})` : `its own ${winner.path} (line ${line})`;
        out.push({
          code: 'sweep-shadowed',
          severity: 'warning',
          message: `sweep: ${axis.path} does nothing for model ${model.key}: ${how} overrides it, so every point of this axis runs ${model.key} alike; remove the model's setting, or sweep it in the model`,
          range: axis.keyRange,
        });
        break;
      }
    }
  }
  return out;
}

// ------------------------------------------------------------------------------------- validation

export interface SweepValidation {
  experiment: Experiment | null;
  diagnostics: Diagnostic[];
}

/**
 * Validates every point of the file's sweeps with `validate` (the full validator of one source
 * tree) and assembles the sweep. Runs |top-level points| x (largest model grid) validations: the
 * j-th validation of a top-level point puts every swept model at its j-th point (the last one once
 * its grid is done). Problems of every point are reported once each.
 */
export function validateSweep(extracted: Extracted, validate: (root: SourceNode) => SweepValidation): SweepValidation {
  const diagnostics: Diagnostic[] = [...extracted.diagnostics, ...shadowedAxes(extracted)];
  const seen = new Set<string>();
  const keep = (ds: Diagnostic[]) => {
    for (const d of ds) {
      const key = `${d.code}|${d.range.start.line}:${d.range.start.character}|${d.message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      diagnostics.push(d);
    }
  };
  const top = extracted.axes.filter((a) => a.model === null);
  const modelNames = [...new Set(extracted.axes.flatMap((a) => (a.model === null ? [] : [a.model])))];
  const modelAxes = new Map(modelNames.map((m) => [m, extracted.axes.filter((a) => a.model === m)]));
  const modelGrids = new Map(modelNames.map((m) => [m, grid(modelAxes.get(m)!.map((a) => a.nodes.length))]));
  const rounds = Math.max(1, ...[...modelGrids.values()].map((g) => g.length));
  const labels = shortLabels(extracted.axes.map((a) => a.path));
  const valueOf = (axis: RawAxis, index: number) => (axis.nodes[index] as { value: SweepValue }).value;

  const variants: SweepVariant[] = [];
  let failed = extracted.diagnostics.some((d) => d.severity === 'error');
  for (const topPick of grid(top.map((a) => a.nodes.length))) {
    const topPoint: SweepPoint = Object.fromEntries(top.map((a, i) => [a.path, valueOf(a, topPick[i])]));
    const results: (Experiment | null)[] = [];
    for (let round = 0; round < rounds; round++) {
      const picks = top.map((axis, i) => ({ axis, index: topPick[i] }));
      for (const [model, g] of modelGrids) {
        const pick = g[Math.min(round, g.length - 1)];
        modelAxes.get(model)!.forEach((axis, i) => picks.push({ axis, index: pick[i] }));
      }
      const root = applyAxes(extracted.base, picks);
      if (!('kind' in root)) {
        keep([root]);
        failed = true;
        break;
      }
      const result = validate(root);
      keep(result.diagnostics);
      results.push(result.experiment);
      if (!result.experiment) failed = true;
    }
    if (failed) continue;
    const first = results[0]!;
    const models: ModelSpec[] = first.models.flatMap((model) => {
      const g = modelGrids.get(model.name);
      if (!g) return [{ ...model, point: { ...topPoint } }];
      return g.map((pick, j) => {
        const spec = results[j]!.models.find((m) => m.name === model.name)!;
        const own = Object.fromEntries(modelAxes.get(model.name)!.map((a, i) => [a.path, valueOf(a, pick[i])]));
        return { ...spec, point: { ...topPoint, ...own } };
      });
    });
    variants.push({ point: topPoint, experiment: { ...first, models } });
  }
  if (failed || variants.length === 0) return { experiment: null, diagnostics };
  const axes: SweepAxis[] = extracted.axes.map((a) => ({ model: a.model, path: a.path, label: labels.get(a.path)!, values: a.nodes.map((_, i) => valueOf(a, i)) }));
  const base = variants[0].experiment;
  const unswept = base.models.filter((m, i, all) => all.findIndex((x) => x.name === m.name) === i).map(({ point: _point, ...m }) => m);
  return { experiment: { ...base, models: unswept, sweep: { axes, variants } }, diagnostics };
}
