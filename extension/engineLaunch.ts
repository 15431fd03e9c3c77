/**
 * Which Node runs the engine. By default the extension host's own executable: plain Node in a
 * remote or web host, VS Code's Electron in the desktop app, where ELECTRON_RUN_AS_NODE=1 makes
 * it behave as Node (the same Node major as the host, so the engine needs nothing installed).
 * A native addon built for a system Node (tfjs-node for the 'tensorflow' backend) cannot load in
 * Electron, so that backend prefers a `node` on PATH. `infiniteWidthLab.nodePath` overrides both.
 */
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { EngineLaunch } from './engineClient';

export interface LaunchInputs {
  extensionRoot: string;
  /** The setting; empty means "choose". */
  configuredNodePath: string;
  backend: string;
  hostExecPath: string;
  /** process.versions.electron of the host (undefined in plain Node). */
  hostElectron: string | undefined;
  /** PATH to look for `node` in. */
  pathVariable: string | undefined;
}

export function findOnPath(name: string, pathVariable: string | undefined): string | null {
  for (const dir of (pathVariable ?? '').split(delimiter)) {
    if (!dir) continue;
    for (const candidate of process.platform === 'win32' ? [`${name}.exe`, `${name}.cmd`] : [name]) {
      const full = join(dir, candidate);
      if (existsSync(full)) return full;
    }
  }
  return null;
}

export function resolveEngineLaunch(inputs: LaunchInputs): EngineLaunch & { why: string } {
  const enginePath = join(inputs.extensionRoot, 'dist', 'engine.js');
  const configured = inputs.configuredNodePath.trim();
  if (configured) return { enginePath, execPath: configured, env: {}, why: 'infiniteWidthLab.nodePath' };
  if (inputs.hostElectron && inputs.backend === 'tensorflow') {
    const node = findOnPath('node', inputs.pathVariable);
    if (node) return { enginePath, execPath: node, env: {}, why: "a node on PATH (the 'tensorflow' backend's native addon needs a plain Node)" };
  }
  return {
    enginePath,
    execPath: inputs.hostExecPath,
    env: { ELECTRON_RUN_AS_NODE: '1' },
    why: inputs.hostElectron ? "VS Code's own runtime as Node (ELECTRON_RUN_AS_NODE)" : "the extension host's Node",
  };
}
