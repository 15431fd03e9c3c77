/**
 * TensorFlow.js backend selection. One engine, four backends: wasm (default), cpu, tensorflow
 * (tfjs-node / tfjs-node-gpu, optional), webgpu (the `webgpu` package's Dawn for Node).
 * A requested backend that cannot start is an error with the reason; there is no silent fallback.
 */
import * as tf from '@tensorflow/tfjs';
import { IwlError, errorMessage } from './util/errors';

export const backendNames = ['wasm', 'cpu', 'tensorflow', 'webgpu'] as const;
export type BackendName = (typeof backendNames)[number];

export interface BackendInfo {
  name: BackendName;
  /** What actually runs, e.g. "wasm (XNNPACK, 1 thread)" or the GPU adapter's description. */
  detail: string;
}

export function isBackendName(value: string): value is BackendName {
  return (backendNames as readonly string[]).includes(value);
}

let active: BackendInfo | null = null;

/** Registers and activates a backend; call once per process before any tensor work. */
export async function useBackend(name: BackendName = 'wasm'): Promise<BackendInfo> {
  if (active?.name === name) return active;
  let detail: string;
  try {
    detail = await register(name);
    const ok = await tf.setBackend(name);
    if (!ok) throw new Error(`tf.setBackend('${name}') returned false`);
    await tf.ready();
  } catch (error) {
    throw new IwlError('BACKEND_UNAVAILABLE', `backend '${name}' is not available: ${errorMessage(error)}`, { cause: error });
  }
  active = { name, detail };
  return active;
}

export function activeBackend(): BackendInfo | null {
  return active;
}

async function register(name: BackendName): Promise<string> {
  switch (name) {
    case 'cpu':
      return 'cpu (pure JavaScript)';
    case 'wasm': {
      await import('@tensorflow/tfjs-backend-wasm');
      return 'wasm (XNNPACK)';
    }
    case 'tensorflow':
    case 'webgpu':
      throw new Error('not built into this version');
  }
}
