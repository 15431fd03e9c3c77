/**
 * The HTML of every panel, with its Content Security Policy. Plain: no 'vscode' import, so the
 * browser tests build their page with this very function.
 *
 * CSP: nothing by default; scripts only with this page's nonce (no 'unsafe-eval', no inline
 * code); styles only from the extension's files: uPlot and the controls (Lit web components from
 * @vscode-elements/elements) style through the CSSOM and constructable stylesheets, which
 * style-src does not govern, so neither 'unsafe-inline' nor a style nonce; fonts from the
 * extension; no images, frames or connections.
 */
import { randomBytes } from 'node:crypto';
import type { PanelKind } from '../../webview/protocol';
import { escapeMarkup } from '../../engine/contract/textEscapes';

export interface PanelHtmlOptions {
  kind: PanelKind;
  title: string;
  /** webview.cspSource: the origin the extension's files are served from. */
  cspSource: string;
  /** Webview URIs of dist/webview/panelMain.js and .css. */
  scriptUri: string;
  styleUri: string;
  nonce: string;
}

/** A fresh nonce per page load: 128 random bits. */
export function newNonce(): string {
  return randomBytes(16).toString('base64').replace(/[+/=]/g, (c) => ({ '+': '-', '/': '_', '=': '' })[c]!);
}

export function panelCsp(cspSource: string, nonce: string): string {
  return [`default-src 'none'`, `script-src 'nonce-${nonce}'`, `style-src ${cspSource}`, `font-src ${cspSource}`].join('; ');
}

export function panelHtml(o: PanelHtmlOptions): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeMarkup(panelCsp(o.cspSource, o.nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${escapeMarkup(o.styleUri)}">
<title>${escapeMarkup(o.title)}</title>
</head>
<body data-panel="${escapeMarkup(o.kind)}">
<main id="app" aria-busy="true"><p>Loading…</p></main>
<script nonce="${escapeMarkup(o.nonce)}" src="${escapeMarkup(o.scriptUri)}"></script>
</body>
</html>
`;
}
