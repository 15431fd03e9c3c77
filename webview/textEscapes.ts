/**
 * Quoting for the text formats the product writes, in one place: CSV cells (RFC 4180) and markup
 * text and attribute values (HTML and SVG). Pure and import-free: the panels use it for their
 * exports and the host for the panel page and the metrics CSV (the host compiles this file and
 * webview/protocol.ts of webview/, as test/architecture/importGraph.test.ts allows).
 */

/** A CSV cell: quoted, with inner quotes doubled, when it holds a comma, a quote or a line break. */
export function csvCell(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Text safe inside an HTML or SVG element or a double-quoted attribute value. */
export function escapeMarkup(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
