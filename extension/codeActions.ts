/**
 * Quick Fixes on experiment files: the validator attaches the edit it knows to a diagnostic
 * (engine/experiment/fixes.ts); this turns each into a code action on the diagnostic it resolves.
 * It reads the shared analysis of the document version, never a validation of its own.
 */
import * as vscode from 'vscode';
import { AnalysisCache, fixOf } from './analysis';
import { asAnalyzable } from './diagnostics';
import { isExperimentFile } from './experimentFiles';
import type { Range } from '../engine/experiment/experimentTypes';

const toVsRange = (r: Range): vscode.Range => new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character);
const fromVsRange = (r: vscode.Range): Range => ({ start: { line: r.start.line, character: r.start.character }, end: { line: r.end.line, character: r.end.character } });

export class ExperimentCodeActionProvider implements vscode.CodeActionProvider {
  static readonly metadata: vscode.CodeActionProviderMetadata = { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] };

  constructor(private readonly cache: AnalysisCache) {}

  provideCodeActions(document: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    if (!isExperimentFile(document.fileName)) return [];
    const ours = context.diagnostics.filter((d) => d.source === 'iwl' && typeof d.code === 'string');
    if (ours.length === 0) return [];
    const analysis = this.cache.get(asAnalyzable(document));
    const actions: vscode.CodeAction[] = [];
    for (const diagnostic of ours) {
      const fix = fixOf(analysis.diagnostics, diagnostic.code as string, fromVsRange(diagnostic.range));
      if (!fix) continue;
      const action = new vscode.CodeAction(fix.title, vscode.CodeActionKind.QuickFix);
      action.diagnostics = [diagnostic];
      action.isPreferred = true;
      action.edit = new vscode.WorkspaceEdit();
      for (const e of fix.edits) action.edit.replace(document.uri, toVsRange(e.range), e.newText);
      actions.push(action);
    }
    return actions;
  }
}
