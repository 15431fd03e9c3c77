/**
 * Completion and hover for `*.iwl.yaml` / `*.iwl.yml` without another extension: the pure
 * schemaAssist.ts answers, this adapts its offsets and entries to VS Code. (JSON files get the
 * same from VS Code's JSON support through package.json's jsonValidation.)
 */
import * as vscode from 'vscode';
import { completionsAt, hoverAt, type CompletionEntry } from './schemaAssist';
import { YAML_EXPERIMENT_FILE_GLOB } from './experimentFiles';

/** Experiment files in YAML, in any scheme (a file on disk, an untitled copy, a diff side). */
export const yamlExperimentSelector: vscode.DocumentSelector = [{ language: 'yaml', pattern: YAML_EXPERIMENT_FILE_GLOB }];

const kinds: Record<CompletionEntry['kind'], vscode.CompletionItemKind> = {
  key: vscode.CompletionItemKind.Property,
  value: vscode.CompletionItemKind.EnumMember,
  layer: vscode.CompletionItemKind.Class,
  snippet: vscode.CompletionItemKind.Snippet,
};

function toItem(entry: CompletionEntry, range: vscode.Range, typed: string): vscode.CompletionItem {
  const item = new vscode.CompletionItem(entry.label, kinds[entry.kind]);
  item.insertText = new vscode.SnippetString(entry.insertText);
  item.detail = entry.detail;
  item.documentation = new vscode.MarkdownString(entry.documentation);
  item.sortText = entry.sortText;
  item.range = range;
  item.preselect = entry.preferred === true;
  // A new model's name is the user's own: its snippet stays listed whatever has been typed.
  if (entry.kind === 'snippet') item.filterText = typed;
  return item;
}

class YamlCompletionProvider implements vscode.CompletionItemProvider {
  provideCompletionItems(document: vscode.TextDocument, position: vscode.Position, _token: vscode.CancellationToken, context: vscode.CompletionContext): vscode.CompletionItem[] {
    const text = document.getText();
    const offset = document.offsetAt(position);
    // A typed space opens the list only where a value or key starts: after `key: `, `- `, `{ `, `[ ` or `, `.
    if (context.triggerKind === vscode.CompletionTriggerKind.TriggerCharacter && !/[:\-{[,] $/.test(text.slice(Math.max(0, offset - 2), offset))) return [];
    const { items, start, end } = completionsAt(text, offset);
    const range = new vscode.Range(document.positionAt(start), document.positionAt(end));
    const typed = text.slice(start, offset);
    return items.map((e) => toItem(e, range, typed));
  }
}

class YamlHoverProvider implements vscode.HoverProvider {
  provideHover(document: vscode.TextDocument, position: vscode.Position): vscode.Hover | null {
    const hover = hoverAt(document.getText(), document.offsetAt(position));
    if (!hover) return null;
    return new vscode.Hover(new vscode.MarkdownString(hover.markdown), new vscode.Range(document.positionAt(hover.start), document.positionAt(hover.end)));
  }
}

export function registerYamlLanguage(): vscode.Disposable[] {
  return [
    vscode.languages.registerCompletionItemProvider(yamlExperimentSelector, new YamlCompletionProvider(), ' '),
    vscode.languages.registerHoverProvider(yamlExperimentSelector, new YamlHoverProvider()),
  ];
}
