/**
 * Where an offset of a YAML experiment file sits in its structure, for completion and hover:
 * the path of keys (and list items) from the top down to the cursor, whether a key or a value is
 * being typed there, and the keys the mapping already has. It reads text as it is typed (half
 * written, often not yet parseable): block collections by their indentation, flow collections
 * ({ }, [ ]) by their brackets. Plain functions over a string: no vscode, no parser state.
 */

/** A key, or null for an item of a list. */
export type PathSegment = string | null;

export interface YamlCursor {
  /** At 'key': the mapping being written into. At 'value': the key (or list item) whose value is being written. */
  path: PathSegment[];
  at: 'key' | 'value';
  /** The name under the cursor: where it starts and ends (offsets), and its text up to the cursor. */
  word: { start: number; end: number; typed: string };
  /** The other keys of the mapping at `path` (at 'key') or of the mapping holding the key (at 'value'), with their plain values. */
  siblings: Map<string, string>;
  /** Inside a flow collection ({ } or [ ]): an insertion stays on one line. */
  flow: boolean;
}

const wordChar = /[A-Za-z0-9_.$-]/;

interface Line {
  start: number;
  end: number;
  text: string;
}

function splitLines(text: string): Line[] {
  const out: Line[] = [];
  const re = /\r\n|\r|\n/g;
  let start = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    out.push({ start, end: m.index, text: text.slice(start, m.index) });
    start = m.index + m[0].length;
  }
  out.push({ start, end: text.length, text: text.slice(start) });
  return out;
}

/** A block line read for structure: its indent, the columns of its leading `- `, its key if it has one. */
interface BlockLine {
  indent: number;
  dashes: number;
  /** The column where the content after the dashes starts. */
  contentCol: number;
  key: string | null;
  /** The value text after `key:` (comment dropped, trimmed); '' when the value is on the next lines. */
  value: string;
}

const keyPattern = /^("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^\s#'"{}[\],:&*!|>%@`-][^#]*?|-[^\s#][^#]*?)\s*:(?=\s|$)/;

function unquote(key: string): string {
  if (key.startsWith('"')) {
    try {
      return JSON.parse(key) as string;
    } catch {
      return key.slice(1, -1);
    }
  }
  return key.startsWith("'") ? key.slice(1, -1).replace(/''/g, "'") : key.trim();
}

function dropComment(text: string): string {
  const m = /(^|\s)#/.exec(text);
  return (m ? text.slice(0, m.index) : text).trim();
}

function readBlockLine(text: string): BlockLine | null {
  const indent = text.length - text.trimStart().length;
  let i = indent;
  let dashes = 0;
  while (text[i] === '-' && (i + 1 >= text.length || text[i + 1] === ' ' || text[i + 1] === '\t')) {
    dashes++;
    i++;
    while (text[i] === ' ' || text[i] === '\t') i++;
  }
  const rest = text.slice(i);
  if (dashes === 0 && (rest === '' || rest.startsWith('#') || /^(---|\.\.\.)(\s|$)/.test(rest))) return null;
  const m = keyPattern.exec(rest);
  return {
    indent,
    dashes,
    contentCol: i,
    key: m ? unquote(m[1]) : null,
    value: m ? dropComment(rest.slice(m[0].length)) : dropComment(rest),
  };
}

/** The flow depth ({ and [ not yet closed) at the start of each line, quotes and comments skipped. */
function flowDepths(lines: Line[], upTo: number): number[] {
  const depths: number[] = [];
  let depth = 0;
  for (let n = 0; n <= upTo; n++) {
    depths.push(depth);
    const t = lines[n].text;
    for (let i = 0; i < t.length; i++) {
      const c = t[i];
      if (c === '#' && (i === 0 || /\s/.test(t[i - 1]))) break;
      if ((c === '"' || c === "'") && (i === 0 || /[\s{[,:]/.test(t[i - 1]))) i = skipQuoted(t, i);
      else if (c === '{' || c === '[') depth++;
      else if ((c === '}' || c === ']') && depth > 0) depth--;
    }
  }
  return depths;
}

/** The index of the closing quote of the quoted scalar starting at `i` (or the end of the line). */
function skipQuoted(t: string, i: number): number {
  const q = t[i];
  for (let j = i + 1; j < t.length; j++) {
    if (q === '"' && t[j] === '\\') j++;
    else if (t[j] === q) {
      if (q === "'" && t[j + 1] === "'") j++;
      else return j;
    }
  }
  return t.length;
}

/** The keys of the block mapping whose keys sit at column `col` around line `at`, with their values. */
function blockSiblings(lines: Line[], depths: number[], at: number, col: number, lastLine: number): Map<string, string> {
  const out = new Map<string, string>();
  const visit = (n: number): 'stop' | 'go' => {
    if (depths[n] !== undefined && depths[n] > 0) return 'go';
    const b = readBlockLine(lines[n].text);
    if (!b) return 'go';
    if (b.dashes > 0 && b.contentCol === col && b.indent < col) {
      if (b.key !== null) out.set(b.key, b.value);
      return 'stop';
    }
    if (b.indent < col) return 'stop';
    if (b.indent === col && b.dashes === 0 && b.key !== null) out.set(b.key, b.value);
    return 'go';
  };
  for (let n = at - 1; n >= 0 && visit(n) === 'go'; n--);
  for (let n = at + 1; n <= lastLine && visit(n) === 'go'; n++);
  return out;
}

/** The path of the block collections that hold line `at`, whose first token sits at `col`. */
function blockAncestors(lines: Line[], depths: number[], at: number, col: number, startsWithDash: boolean): PathSegment[] {
  const path: PathSegment[] = [];
  let dash = startsWithDash;
  for (let n = at - 1; n >= 0 && col > 0; n--) {
    if (depths[n] > 0) continue;
    const b = readBlockLine(lines[n].text);
    if (!b || b.indent > col) continue;
    if (b.indent === col) {
      // `key:` with its list at the same indent (`layers:` over `- dense`).
      if (dash && b.dashes === 0 && b.key !== null && b.value === '') {
        path.unshift(b.key);
        dash = false;
      }
      continue;
    }
    if (b.dashes > 0) {
      const items: PathSegment[] = new Array(b.dashes).fill(null);
      path.unshift(...items, ...(b.key !== null && col > b.contentCol ? [b.key] : []));
      dash = true;
    } else if (b.key !== null) {
      path.unshift(b.key);
      dash = false;
    } else continue;
    col = b.indent;
  }
  return path;
}

/** The word of name characters around `offset` (possibly empty). */
export function wordAt(text: string, offset: number): { start: number; end: number } {
  let start = offset;
  while (start > 0 && wordChar.test(text[start - 1])) start--;
  let end = offset;
  while (end < text.length && wordChar.test(text[end])) end++;
  return { start, end };
}

interface FlowFrame {
  kind: 'map' | 'seq';
  state: 'key' | 'value';
  key: string | null;
  keys: Map<string, string>;
  /** The path of this collection. */
  path: PathSegment[];
}

const endsPlain = (text: string, j: number): boolean =>
  /[,{}[\]\r\n]/.test(text[j]) || (text[j] === ':' && /[\s,{}[\]]/.test(text[j + 1] ?? ' ')) || (text[j] === '#' && /\s/.test(text[j - 1]));

/**
 * Reads a flow collection from `from` (its `{` or `[`) and returns the collection that holds
 * `offset`, with its keys read on past the cursor up to its closing bracket (or `stop`).
 */
function scanFlow(text: string, from: number, offset: number, stop: number, basePath: PathSegment[]): FlowFrame | null {
  const stack: FlowFrame[] = [];
  let found: FlowFrame | null = null;
  // The state of the found collection at the cursor (reading on past it changes the live one).
  let at: Pick<FlowFrame, 'state' | 'key'> = { state: 'key', key: null };
  const foundHere = (frame: FlowFrame | undefined): void => {
    found = frame ?? null;
    if (frame) at = { state: frame.state, key: frame.key };
  };
  let cursorToken = -1;
  let cursorKey: string | null = null;
  let token: { text: string; start: number } | null = null;
  const finishValue = (frame: FlowFrame): void => {
    if (frame.kind === 'map' && frame.state === 'value' && frame.key !== null) frame.keys.set(frame.key, token ? unquote(token.text) : '');
  };
  for (let i = from; i < stop; i++) {
    if (found === null && i >= offset) {
      foundHere(stack[stack.length - 1]);
      cursorToken = token && token.start + token.text.length === offset ? token.start : offset;
    }
    const c = text[i];
    const top = stack[stack.length - 1];
    if (c === '{' || c === '[') {
      const segment: PathSegment[] = top ? [top.kind === 'map' ? top.key ?? '' : null] : [];
      stack.push({ kind: c === '{' ? 'map' : 'seq', state: 'key', key: null, keys: new Map(), path: [...(top ? top.path : basePath), ...segment] });
      token = null;
    } else if (c === '}' || c === ']') {
      if (top) finishValue(top);
      stack.pop();
      token = null;
      if (stack.length === 0 || (found !== null && !stack.includes(found))) break;
    } else if (c === ',') {
      if (top) {
        finishValue(top);
        top.state = 'key';
        top.key = null;
      }
      token = null;
    } else if (c === ':' && /[\s,{}[\]]/.test(text[i + 1] ?? ' ')) {
      if (top?.kind === 'map' && top.state === 'key' && token) {
        top.key = unquote(token.text);
        top.state = 'value';
        if (top === (found as FlowFrame | null) && token.start === cursorToken) cursorKey = top.key;
        token = null;
      }
    } else if (c === '#' && /\s/.test(text[i - 1] ?? ' ')) {
      while (i + 1 < stop && text[i + 1] !== '\n' && text[i + 1] !== '\r') i++;
    } else if (c === '"' || c === "'") {
      const end = skipQuoted(text, i);
      token = { text: text.slice(i, end + 1), start: i };
      i = end;
    } else if (!/\s/.test(c)) {
      let j = i;
      while (j < stop && !endsPlain(text, j)) j++;
      const raw = text.slice(i, j).trimEnd();
      token = { text: raw, start: i };
      if (found === null && offset > i && offset <= i + raw.length) {
        foundHere(top);
        cursorToken = i;
      }
      i = i + Math.max(raw.length, 1) - 1;
    }
  }
  if (found === null) foundHere(stack[stack.length - 1]);
  const frame = found as FlowFrame | null;
  if (!frame) return null;
  if (cursorKey !== null) frame.keys.delete(cursorKey);
  return { ...frame, ...at };
}

/** The structure around `offset` in YAML `text`. */
export function yamlCursorAt(text: string, offset: number): YamlCursor {
  const lines = splitLines(text);
  let lineNo = lines.findIndex((l) => offset <= l.end);
  if (lineNo < 0) lineNo = lines.length - 1;
  const depths = flowDepths(lines, lineNo);
  let anchor = lineNo;
  while (anchor > 0 && depths[anchor] > 0) anchor--;
  const line = lines[anchor];
  const w = wordAt(text, offset);
  const word = { ...w, typed: text.slice(w.start, offset) };
  const last = lines.length - 1;
  const head = readBlockLine(line.text);
  if (!head) {
    // A blank line: a key of the mapping whose keys sit at the cursor's column.
    const col = anchor === lineNo ? offset - line.start : 0;
    return { path: blockAncestors(lines, depths, anchor, col, false), at: 'key', word, siblings: blockSiblings(lines, depths, anchor, col, last), flow: false };
  }
  const itemPath = [...blockAncestors(lines, depths, anchor, head.indent, head.dashes > 0), ...new Array<PathSegment>(head.dashes).fill(null)];
  const siblings = (): Map<string, string> => blockSiblings(lines, depths, anchor, head.contentCol, last);
  const contentStart = line.start + head.contentCol;
  const keyMatch = keyPattern.exec(line.text.slice(head.contentCol));
  const colonEnd = keyMatch ? contentStart + keyMatch[0].length : -1;
  if (keyMatch && offset < colonEnd) return { path: itemPath, at: 'key', word, siblings: siblings(), flow: false };
  const key = keyMatch ? unquote(keyMatch[1]) : null;
  const valuePath = key === null ? itemPath : [...itemPath, key];
  let valueStart = keyMatch ? colonEnd : contentStart;
  while (valueStart < line.end && /[ \t]/.test(text[valueStart])) valueStart++;
  if ((text[valueStart] === '{' || text[valueStart] === '[') && offset > valueStart) {
    // An unclosed collection is read up to the next line that is not indented past this one.
    let stop = text.length;
    for (let n = anchor + 1; n < lines.length; n++) {
      const t = lines[n].text;
      if (t.trim() !== '' && t.length - t.trimStart().length <= head.indent && !/^\s*[}\]]/.test(t)) {
        stop = lines[n].start;
        break;
      }
    }
    const frame = scanFlow(text, valueStart, offset, stop, valuePath);
    if (frame) {
      const keys = new Map(frame.keys);
      if (frame.kind === 'seq') return { path: [...frame.path, null], at: 'value', word, siblings: keys, flow: true };
      if (frame.state === 'value' && frame.key !== null) return { path: [...frame.path, frame.key], at: 'value', word, siblings: keys, flow: true };
      return { path: frame.path, at: 'key', word, siblings: keys, flow: true };
    }
  }
  if (key === null) return head.dashes > 0 ? { path: itemPath, at: 'value', word, siblings: siblings(), flow: false } : { path: itemPath, at: 'key', word, siblings: siblings(), flow: false };
  const around = siblings();
  around.set(key, head.value);
  return { path: valuePath, at: 'value', word, siblings: around, flow: false };
}
