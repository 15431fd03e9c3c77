/**
 * A small CSV tokenizer (RFC 4180) shared by the data loader, the validator and `iwl kernel`.
 *
 * - Fields are separated by commas; records by LF, CRLF or a lone CR; a trailing newline is fine.
 * - A field may be quoted with `"`: inside, commas and newlines are literal and `""` is one quote.
 *   Spaces around a quoted field are ignored; anything else after the closing quote is an error.
 * - Unquoted fields are trimmed of surrounding spaces and tabs (so `1, 2, 3` reads as three numbers);
 *   a stray `"` inside an unquoted field is kept literally.
 * - Blank lines (nothing but spaces or tabs) are skipped; a leading UTF-8 byte-order mark is ignored.
 * - Every record must have as many fields as the first one; a ragged record is an error naming its line.
 * Line numbers are 1-based and name the line where a record starts.
 */

export interface CsvTable {
  rows: string[][];
  /** 1-based source line on which each row starts (parallel to `rows`). */
  lines: number[];
}

export interface CsvError {
  error: string;
  /** 1-based line of the problem. */
  line: number;
}

export function isCsvError(value: unknown): value is CsvError {
  return typeof value === 'object' && value !== null && typeof (value as CsvError).error === 'string';
}

export function parseCsvText(text: string): CsvTable | CsvError {
  const rows: string[][] = [];
  const lines: number[] = [];
  const n = text.length;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;

  while (i < n) {
    const startLine = line;
    const record: string[] = [];
    let anyQuoted = false;
    // One record: fields until a newline or the end of the text.
    for (;;) {
      while (i < n && (text[i] === ' ' || text[i] === '\t')) i++;
      let field: string;
      if (text[i] === '"') {
        anyQuoted = true;
        const openLine = line;
        i++;
        let value = '';
        for (;;) {
          if (i >= n) return { error: `unterminated quoted field (the quote opened on line ${openLine})`, line: openLine };
          const c = text[i];
          if (c === '"') {
            if (text[i + 1] === '"') {
              value += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (c === '\r' || c === '\n') {
            if (c === '\r' && text[i + 1] === '\n') {
              value += '\r';
              i++;
            }
            line++;
          }
          value += text[i];
          i++;
        }
        while (i < n && (text[i] === ' ' || text[i] === '\t')) i++;
        if (i < n && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') {
          return { error: `unexpected character ${JSON.stringify(text[i])} after a closing quote`, line };
        }
        field = value;
      } else {
        const start = i;
        while (i < n && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') i++;
        field = text.slice(start, i).replace(/[ \t]+$/, '');
      }
      record.push(field);
      if (i < n && text[i] === ',') {
        i++;
        continue;
      }
      break;
    }
    // Consume the record's line ending.
    if (text[i] === '\r') {
      i++;
      if (text[i] === '\n') i++;
      line++;
    } else if (text[i] === '\n') {
      i++;
      line++;
    }

    const blank = !anyQuoted && record.length === 1 && record[0] === '';
    if (blank) continue;
    if (rows.length > 0 && record.length !== rows[0].length) {
      return {
        error: `line ${startLine} has ${record.length} ${plural(record.length, 'field')}, expected ${rows[0].length} as on line ${lines[0]}`,
        line: startLine,
      };
    }
    rows.push(record);
    lines.push(startLine);
  }
  return { rows, lines };
}

/**
 * The number in a cell, or null when the cell is not a plain finite decimal number.
 * Accepts `-1`, `+2.5`, `.5`, `3.`, `1e-3` (surrounding spaces ignored); rejects empty cells, `NaN`,
 * `Infinity`, hex and anything else `Number()` would quietly accept.
 */
export function parseNumber(cell: string): number | null {
  const s = cell.trim();
  if (!NUMBER.test(s)) return null;
  const v = Number(s);
  return Number.isFinite(v) ? v : null;
}

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** A first row with any non-numeric cell looks like a header (see `detectHeader` for the data loader's rule). */
export function looksLikeHeader(firstRow: string[]): boolean {
  return firstRow.some((cell) => parseNumber(cell) === null);
}

/**
 * Whether a table's first row is a header. A headerless file whose label column holds strings
 * (`0.1,0.2,cat`) has a non-numeric first row too, so a first row counts as a header only when it
 * has a non-numeric cell in some column whose second row is numeric (or it is the only row).
 */
export function detectHeader(rows: string[][]): boolean {
  if (rows.length === 0 || !looksLikeHeader(rows[0])) return false;
  if (rows.length === 1) return true;
  return rows[0].some((cell, j) => parseNumber(cell) === null && parseNumber(rows[1][j]) !== null);
}

function plural(count: number, word: string): string {
  return count === 1 ? word : `${word}s`;
}
