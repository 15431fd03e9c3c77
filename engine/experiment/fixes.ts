/**
 * The edits behind Quick Fixes: built by the validator where it knows the one change that
 * resolves a diagnostic (a near-miss name, a missing readout, a value past a stated bound).
 * Edits follow the text they change: a quoted key stays quoted, a layer is appended in the
 * list's own style (a block `- dense` line, `, dense` in a flow list, `, "dense"` in JSON).
 */
import { DiagnosticFix, Range } from './experimentTypes';
import { LineIndex, SourceFormat, SourceSeq } from './parse';

/** The text the diagnostics refer to; without it (a caller that passes none) no fix is offered. */
export interface FixSource {
  lines: LineIndex;
  format: SourceFormat;
}

/** Replaces a key or a string value with `word`, inside its quotes when it is quoted. */
export function replaceWordFix(source: FixSource, range: Range, word: string): DiagnosticFix {
  const { lines } = source;
  const start = lines.offsetAt(range.start);
  const end = lines.offsetAt(range.end);
  const quote = lines.text[start];
  const quoted = end - start >= 2 && (quote === '"' || quote === "'") && lines.text[end - 1] === quote;
  const inner = quoted ? lines.range(start + 1, end - 1) : range;
  return { title: `Change to "${word}"`, edits: [{ range: inner, newText: word }] };
}

/** Replaces a number with `value`; `why` says where the value comes from ("the minimum"). */
export function replaceNumberFix(range: Range, value: number, why: string): DiagnosticFix {
  return { title: `Change to ${value} (${why})`, edits: [{ range, newText: String(value) }] };
}

/** Appends a bare layer (`dense`) after the last item of a layer list, in the list's own style. */
export function appendLayerFix(source: FixSource, seq: SourceSeq, layer: string): DiagnosticFix | undefined {
  const last = seq.items[seq.items.length - 1];
  if (!last) return undefined;
  const { lines } = source;
  const text = lines.text;
  const title = `Add a "${layer}" readout layer at the end`;
  const itemStart = lines.offsetAt(last.range.start);
  let itemEnd = lines.offsetAt(last.range.end);
  while (itemEnd > itemStart && /\s/.test(text[itemEnd - 1])) itemEnd--;
  const at = lines.positionAt(itemEnd);
  if (source.format === 'json' || text[lines.offsetAt(seq.range.start)] === '[') {
    const word = source.format === 'json' ? JSON.stringify(layer) : layer;
    return { title, edits: [{ range: { start: at, end: at }, newText: `, ${word}` }] };
  }
  // A block list: a new "- layer" line under the last item, indented like its dash.
  const lineStart = lines.offsetAt({ line: last.range.start.line, character: 0 });
  const dash = /^(\s*)-\s+$/.exec(text.slice(lineStart, itemStart));
  if (!dash) return undefined;
  let lineEnd = itemEnd;
  while (lineEnd < text.length && text[lineEnd] !== '\n' && text[lineEnd] !== '\r') lineEnd++;
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const end = lines.positionAt(lineEnd);
  return { title, edits: [{ range: { start: end, end }, newText: `${eol}${dash[1]}- ${layer}` }] };
}
