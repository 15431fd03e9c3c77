/**
 * What counts as an experiment file, in one place: `*.iwl.yaml`, `*.iwl.yml` or `*.iwl.json`
 * (docs/experiment-reference.md). The host's lenses, diagnostics, pickers, example copies and run
 * labels all go through these.
 */

/** The suffix of an experiment file, case-insensitive. */
export const EXPERIMENT_FILE_SUFFIX = /\.iwl\.(ya?ml|json)$/i;

/** The same files as a workspace glob (findFiles, document selectors). */
export const EXPERIMENT_FILE_GLOB = '**/*.iwl.{yaml,yml,json}';

export function isExperimentFile(fileName: string): boolean {
  return EXPERIMENT_FILE_SUFFIX.test(fileName);
}

/** "quickstart" from "quickstart.iwl.yaml" (a name without the suffix is returned as it is). */
export function experimentStem(fileName: string): string {
  return fileName.replace(EXPERIMENT_FILE_SUFFIX, '');
}
