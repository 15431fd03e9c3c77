/**
 * Quoting for the text formats the product writes, in one place: CSV cells and tables (RFC 4180)
 * and markup text and attribute values (HTML and SVG). Pure and import-free, so every runtime may load it:
 * `iwl table --format csv` (runTable.ts), the host's metrics CSV and panel page, and the panels'
 * exports (the one file of engine/contract/ the panels import at run time, as
 * test/architecture/importGraph.test.ts allows).
 */

/** A CSV cell: quoted, with inner quotes doubled, when it holds a comma, a quote or a line break. */
export function csvCell(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A value as a CSV cell: null or undefined is an empty cell, anything else its text, quoted as csvCell quotes it. */
export function csvValue(value: string | number | boolean | null | undefined): string {
  return value === null || value === undefined ? '' : csvCell(String(value));
}

/** A table (a header and rows of values) as CSV, one line each, ending with a line break. */
export function tableCsv(header: readonly string[], rows: readonly (readonly (string | number | boolean | null | undefined)[])[]): string {
  return [header, ...rows].map((row) => row.map(csvValue).join(',')).join('\n') + '\n';
}

/** Text safe inside an HTML or SVG element or a double-quoted attribute value. */
export function escapeMarkup(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
