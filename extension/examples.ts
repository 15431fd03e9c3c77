/**
 * The example experiments the extension ships (examples/ in the package), and copying one into a
 * workspace folder: the walkthrough's first step and the "New Experiment from Example" command.
 * Plain file work, no 'vscode': tested in test/extension/examples.test.ts.
 */
import { existsSync, mkdirSync, copyFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { experimentStem, experimentSuffix, isExperimentFile } from './experimentFiles';

export interface ExampleInfo {
  /** File name, e.g. "quickstart.iwl.yaml". */
  file: string;
  /** The experiment's `name`. */
  name: string;
  /** The first comment or description line of the file, for a quick pick. */
  summary: string;
}

/** The shipped examples folder: next to dist/ in the installed extension and in the repository. */
export function shippedExamplesDir(bundleDir: string): string {
  return join(bundleDir, '..', 'examples');
}

/** Lists the experiment files of `dir`, quickstart first, then by name. */
export function listExamples(dir: string): ExampleInfo[] {
  if (!existsSync(dir)) return [];
  const files = readdirSync(dir).filter(isExperimentFile);
  const rank = (f: string) => (f.startsWith('quickstart.') ? 0 : 1);
  files.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  return files.map((file) => {
    const text = readFileSync(join(dir, file), 'utf8');
    const name = /^\s*"?name"?\s*:\s*"?([\w.-]+)"?/m.exec(text)?.[1] ?? experimentStem(file);
    const comment = /^#\s*(.+)$/m.exec(text)?.[1].trim();
    return { file, name, summary: comment ?? `the ${name} experiment` };
  });
}

export interface CopiedExample {
  /** The experiment file written in the target folder. */
  experimentFile: string;
  /** Data files it reads that were copied too (relative paths), e.g. ["data/circles.csv"]. */
  dataFiles: string[];
}

/**
 * Copies `file` from `examplesDir` into `targetDir`, never overwriting: an existing name gets a
 * numbered one (quickstart-2.iwl.yaml). CSV files the experiment reads by a relative `data/...`
 * path come along unless the workspace already has a file there. Examples name no `$schema`:
 * the extension registers the schema for *.iwl.json, and a path would not resolve in a copy.
 */
export function copyExample(examplesDir: string, file: string, targetDir: string): CopiedExample {
  const source = join(examplesDir, file);
  if (!existsSync(source)) throw new Error(`no example named ${file} in ${examplesDir}`);
  const text = readFileSync(source, 'utf8');
  const experimentFile = freeName(targetDir, file);
  mkdirSync(targetDir, { recursive: true });
  writeFileSync(experimentFile, text);
  const dataFiles: string[] = [];
  for (const relative of new Set(text.match(/\bdata\/[\w.-]+\.csv\b/g) ?? [])) {
    const from = join(examplesDir, relative);
    const to = join(targetDir, relative);
    if (!existsSync(from) || existsSync(to)) continue;
    mkdirSync(dirname(to), { recursive: true });
    copyFileSync(from, to);
    dataFiles.push(relative);
  }
  return { experimentFile, dataFiles };
}

function freeName(dir: string, file: string): string {
  if (!existsSync(join(dir, file))) return join(dir, file);
  const name = basename(file);
  const suffix = experimentSuffix(name);
  for (let i = 2; ; i++) {
    const candidate = join(dir, `${experimentStem(name)}-${i}${suffix}`);
    if (!existsSync(candidate)) return candidate;
  }
}
