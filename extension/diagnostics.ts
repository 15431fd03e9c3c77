/**
 * Problems as the user types: the shared analysis (analysis.ts) of every open experiment file,
 * debounced per document, published with the validator's stable codes and ranges.
 */
import * as vscode from 'vscode';
import { AnalysisCache, type AnalyzableDocument } from './analysis';
import { isExperimentFile } from './experimentFiles';
import type { Diagnostic } from '../engine/experiment/experimentTypes';

export const debounceMs = 300;

export function asAnalyzable(document: vscode.TextDocument): AnalyzableDocument {
  return { uri: document.uri.toString(), version: document.version, fileName: document.fileName, getText: () => document.getText() };
}

export function toVsDiagnostic(d: Diagnostic): vscode.Diagnostic {
  const range = new vscode.Range(d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character);
  const severity = d.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning;
  const diagnostic = new vscode.Diagnostic(range, d.message, severity);
  diagnostic.code = d.code;
  diagnostic.source = 'iwl';
  return diagnostic;
}

export class DiagnosticsController implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('infinite-width-lab');
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly cache: AnalysisCache,
    private readonly onAnalyzed: (document: vscode.TextDocument) => void = () => undefined,
  ) {
    this.subscriptions.push(
      this.collection,
      vscode.workspace.onDidOpenTextDocument((d) => this.update(d)),
      vscode.workspace.onDidChangeTextDocument((e) => this.schedule(e.document)),
      vscode.workspace.onDidCloseTextDocument((d) => this.forget(d)),
      // A saved CSV (or any referenced file) can change what an unchanged experiment means.
      vscode.workspace.onDidSaveTextDocument((d) => {
        if (!isExperimentFile(d.fileName)) this.revalidateAll();
      }),
    );
    for (const document of vscode.workspace.textDocuments) this.update(document);
  }

  /** Validates now (no debounce): on open, and before a run. */
  update(document: vscode.TextDocument): void {
    if (!isExperimentFile(document.fileName) || document.uri.scheme === 'git') return;
    const key = document.uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
    const analysis = this.cache.get(asAnalyzable(document));
    this.collection.set(document.uri, analysis.diagnostics.map(toVsDiagnostic));
    this.onAnalyzed(document);
  }

  revalidateAll(): void {
    this.cache.clear();
    for (const document of vscode.workspace.textDocuments) this.update(document);
  }

  private schedule(document: vscode.TextDocument): void {
    if (!isExperimentFile(document.fileName)) return;
    const key = document.uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        if (!document.isClosed) this.update(document);
      }, debounceMs),
    );
  }

  private forget(document: vscode.TextDocument): void {
    const key = document.uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
    this.cache.delete(key);
    this.collection.delete(document.uri);
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    for (const s of this.subscriptions) s.dispose();
  }
}
