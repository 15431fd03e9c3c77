/**
 * What counts as an experiment file, in one place: `*.iwl.yaml`, `*.iwl.yml` or `*.iwl.json`
 * (docs/experiment-reference.md). The host's lenses, diagnostics, pickers, example copies and run
 * labels all go through these.
 */

/** The endings of an experiment file; package.json's activation event, languages and JSON schema name the same (tested). */
export const EXPERIMENT_FILE_EXTENSIONS = ['.iwl.yaml', '.iwl.yml', '.iwl.json'] as const;

/** The suffix of an experiment file, case-insensitive. */
export const EXPERIMENT_FILE_SUFFIX = new RegExp(`(${EXPERIMENT_FILE_EXTENSIONS.map((e) => e.replace(/\./g, '\\.')).join('|')})$`, 'i');

/** The files with these endings as a workspace glob. */
function globOf(extensions: readonly string[]): string {
  return `**/*.iwl.{${extensions.map((e) => e.slice('.iwl.'.length)).join(',')}}`;
}

/** The same files as a workspace glob (findFiles, document selectors). */
export const EXPERIMENT_FILE_GLOB = globOf(EXPERIMENT_FILE_EXTENSIONS);

/** The YAML ones only (the host's own completion and hover; JSON files get them from VS Code's JSON support). */
export const YAML_EXPERIMENT_FILE_GLOB = globOf(EXPERIMENT_FILE_EXTENSIONS.filter((e) => !e.endsWith('.json')));

export function isExperimentFile(fileName: string): boolean {
  return EXPERIMENT_FILE_SUFFIX.test(fileName);
}

/** "quickstart" from "quickstart.iwl.yaml" (a name without the suffix is returned as it is). */
export function experimentStem(fileName: string): string {
  return fileName.replace(EXPERIMENT_FILE_SUFFIX, '');
}

/** ".iwl.yaml" from "quickstart.iwl.yaml" as written; "" when the name has none. */
export function experimentSuffix(fileName: string): string {
  return EXPERIMENT_FILE_SUFFIX.exec(fileName)?.[0] ?? '';
}
