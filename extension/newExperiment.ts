/**
 * "Infinite Width Lab: New Experiment from Example": picks one of the shipped examples, copies it
 * (and the data it reads) into the workspace folder, and opens it, ready for its "Run experiment" lens.
 */
import * as vscode from 'vscode';
import { basename, relative } from 'node:path';
import { copyExample, listExamples, shippedExamplesDir } from './examples';

/** `preselect`: an example file name (the walkthrough passes "quickstart.iwl.yaml") skips the pick. */
export async function newExperimentFromExample(log: (line: string) => void, preselect?: unknown): Promise<void> {
  // The bundle is dist/extension.js; examples/ sits next to dist/ in the package and the repository.
  const examplesDir = shippedExamplesDir(__dirname);
  const examples = listExamples(examplesDir);
  if (!examples.length) throw new Error(`no example experiments found in ${examplesDir}`);
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder || folder.uri.scheme !== 'file') {
    const answer = await vscode.window.showInformationMessage('Infinite Width Lab: open a folder first; the example is copied into it.', 'Open Folder');
    if (answer) await vscode.commands.executeCommand('workbench.action.files.openFolder');
    return;
  }
  let file = typeof preselect === 'string' && examples.some((e) => e.file === preselect) ? preselect : undefined;
  if (!file) {
    const picked = await vscode.window.showQuickPick(
      examples.map((e) => ({ label: e.file, description: e.name, detail: e.summary, file: e.file })),
      { title: 'New experiment from which example?', matchOnDetail: true },
    );
    if (!picked) return;
    file = picked.file;
  }
  const copied = copyExample(examplesDir, file, folder.uri.fsPath);
  log(`copied the example ${file} to ${copied.experimentFile}${copied.dataFiles.length ? ` with ${copied.dataFiles.join(', ')}` : ''}`);
  const document = await vscode.workspace.openTextDocument(vscode.Uri.file(copied.experimentFile));
  await vscode.window.showTextDocument(document);
  void vscode.window.showInformationMessage(
    `Infinite Width Lab: ${relative(folder.uri.fsPath, copied.experimentFile) || basename(copied.experimentFile)} is ready: click "Run experiment" above its first line.`,
  );
}
