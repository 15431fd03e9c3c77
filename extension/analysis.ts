/**
 * One validation per document version, shared by diagnostics and code lenses: the engine's own
 * validator (pure, fast, no tfjs) run in the extension host, cached by uri + version.
 * Plain Node: a document is anything with a uri, a version, a file name and its text.
 */
import { statSync } from 'node:fs';
import { validateExperiment } from '../engine/experiment/validate';
import { nodeValidationHost, type ValidationHost } from '../engine/experiment/validationHost';
import { formatOf, parseSource, type SourceNode } from '../engine/experiment/parse';
import { sweepEstimateText } from '../engine/experiment/estimate';
import { formatDuration } from '../engine/contract/durations';
import type { Diagnostic, DiagnosticFix, Experiment, Range } from '../engine/experiment/experimentTypes';

export interface AnalyzableDocument {
  uri: string;
  version: number;
  fileName: string;
  getText(): string;
}

export interface ModelKey {
  name: string;
  range: Range;
}

export interface DocumentAnalysis {
  uri: string;
  version: number;
  experiment: Experiment | null;
  diagnostics: Diagnostic[];
  /** Every model key in file order: from the experiment, else (an invalid file) from the parse tree. */
  models: ModelKey[];
  errorCount: number;
  /** A valid file's sweep: "12 jobs at 4 sweep points, about 3 min 10 s of compute, up to 340 MiB per job" (`iwl validate`'s line); null without one. */
  sweep: string | null;
  millis: number;
}

/** The keys of the top-level `models` mapping, in file order (duplicates included). */
export function modelKeysOf(root: SourceNode | null): ModelKey[] {
  if (!root || root.kind !== 'map') return [];
  const models = root.entries.find((e) => e.key === 'models')?.value;
  if (!models || models.kind !== 'map') return [];
  return models.entries.map((e) => ({ name: e.key, range: e.keyRange }));
}

/** The fix of the analysed diagnostic with this code and range (what an editor's diagnostic refers to), if it has one. */
export function fixOf(diagnostics: readonly Diagnostic[], code: string, range: Range): DiagnosticFix | null {
  const same = (a: Range): boolean =>
    a.start.line === range.start.line && a.start.character === range.start.character && a.end.line === range.end.line && a.end.character === range.end.character;
  return diagnostics.find((d) => d.code === code && d.fix && same(d.range))?.fix ?? null;
}

/**
 * Node's fs for the validator, with referenced files (CSV data) read once per modification time
 * rather than on every keystroke.
 */
export function cachingValidationHost(): ValidationHost {
  const base = nodeValidationHost();
  const texts = new Map<string, { stamp: string; text: string }>();
  return {
    ...base,
    readText(path: string): string {
      const s = statSync(path);
      const stamp = `${s.mtimeMs}:${s.size}`;
      const hit = texts.get(path);
      if (hit && hit.stamp === stamp) return hit.text;
      const text = base.readText(path);
      texts.set(path, { stamp, text });
      if (texts.size > 32) texts.delete(texts.keys().next().value as string);
      return text;
    },
  };
}

export class AnalysisCache {
  private readonly entries = new Map<string, DocumentAnalysis>();
  /** How many validations ran (tests check that lenses and diagnostics share them). */
  validations = 0;

  constructor(
    private readonly host: ValidationHost = cachingValidationHost(),
    private readonly maxEntries = 32,
  ) {}

  /** The analysis of this document version; validates only on a miss. */
  get(doc: AnalyzableDocument): DocumentAnalysis {
    const hit = this.entries.get(doc.uri);
    if (hit && hit.version === doc.version) return hit;
    const started = performance.now();
    const text = doc.getText();
    const { experiment, diagnostics } = validateExperiment(text, { filePath: doc.fileName, host: this.host });
    const models = experiment
      ? experiment.models.map((m) => ({ name: m.name, range: m.range }))
      : modelKeysOf(parseSource(text, formatOf(doc.fileName)).root);
    this.validations++;
    const analysis: DocumentAnalysis = {
      uri: doc.uri,
      version: doc.version,
      experiment,
      diagnostics,
      models,
      errorCount: diagnostics.filter((d) => d.severity === 'error').length,
      sweep: experiment ? sweepEstimateText(experiment, formatDuration) : null,
      millis: performance.now() - started,
    };
    this.entries.delete(doc.uri);
    this.entries.set(doc.uri, analysis);
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    return analysis;
  }

  /** The cached analysis if it is of this version (never validates). */
  peek(uri: string, version: number): DocumentAnalysis | null {
    const hit = this.entries.get(uri);
    return hit && hit.version === version ? hit : null;
  }

  delete(uri: string): void {
    this.entries.delete(uri);
  }

  /** Forget everything (a referenced file changed: the same text may now validate differently). */
  clear(): void {
    this.entries.clear();
  }
}
