/**
 * TensorFlow.js backend selection. One engine, four backends: wasm (default), cpu, tensorflow
 * (tfjs-node / tfjs-node-gpu, optional), webgpu (the `webgpu` package's Dawn for Node).
 * A requested backend that cannot start is an IwlError('BACKEND_UNAVAILABLE') with the reason;
 * there is no silent fallback.
 *
 * A process uses one backend: call `useBackend` once before any tensor work. Calling it again with
 * the same name is a no-op that returns the same info; calling it with another name switches
 * (`iwl backends` does this to probe them all), but tfjs-node and webgpu each keep process-wide
 * native state, so real work (and every backend test) runs one backend per process.
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, sep } from 'node:path';
import { IwlError } from './util/iwlError';
import { errorMessage } from './contract/errors';

export const backendNames = ['wasm', 'cpu', 'tensorflow', 'webgpu'] as const;
export type BackendName = (typeof backendNames)[number];
export const defaultBackend: BackendName = 'wasm';

export interface BackendInfo {
  name: BackendName;
  /** What actually runs, e.g. "wasm (XNNPACK, 1 thread, SIMD)" or the GPU adapter's description. */
  detail: string;
}

export function isBackendName(value: string): value is BackendName {
  return (backendNames as readonly string[]).includes(value);
}

/** The optional native packages, in the order they are tried. */
export const tensorflowPackages = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;

let active: BackendInfo | null = null;
const started = new Map<BackendName, BackendInfo>();

/** Registers and activates a backend; idempotent for the same name. Throws BACKEND_UNAVAILABLE. */
export async function useBackend(name: BackendName = defaultBackend): Promise<BackendInfo> {
  if (!isBackendName(name)) {
    throw new IwlError('BACKEND_UNAVAILABLE', `unknown backend '${String(name)}'; expected one of ${backendNames.join(', ')}`);
  }
  if (active?.name === name && tf.getBackend() === name) return active;
  // tfjs prints advice ("install our node backend") and init warnings on the console; the engine
  // reports backends itself, and its stdout/stderr must stay clean for the CLI and the host.
  tf.env().set('PROD', true);
  let info = started.get(name);
  factoryError = null;
  try {
    const describe = info ? null : await register(name);
    const ok = await tf.setBackend(name);
    if (!ok) throw new Error(`its initialization failed${factoryError ? `: ${errorMessage(factoryError)}` : ''}`);
    await tf.ready();
    if (describe) info = { name, detail: describe() };
  } catch (error) {
    if (error instanceof IwlError) throw error;
    throw new IwlError('BACKEND_UNAVAILABLE', `backend '${name}' is not available: ${errorMessage(error)}`, { cause: error });
  }
  started.set(name, info!);
  active = info!;
  return info!;
}

export function activeBackend(): BackendInfo | null {
  return active;
}

/**
 * Frees the webgpu backend's native state so the process can exit (a live Dawn instance can keep
 * Node's event loop alive). Its tensors are gone afterwards; a later useBackend('webgpu') starts it
 * again. The other backends hold nothing that outlives the process.
 */
export function releaseBackend(): void {
  if (!started.has('webgpu')) return;
  if (tf.findBackend('webgpu')) tf.removeBackend('webgpu');
  releaseWebGpu?.();
  releaseWebGpu = null;
  started.delete('webgpu');
  if (active?.name === 'webgpu') active = null;
}

/** Registers a backend's factory with tfjs; returns how to describe it once it is initialized. */
async function register(name: BackendName): Promise<() => string> {
  switch (name) {
    case 'cpu':
      return () => 'cpu (pure JavaScript, about 50x slower than wasm)';
    case 'wasm': {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      const shipped = bundledWasmFolder();
      if (shipped) wasm.setWasmPaths(shipped);
      const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) as boolean;
      return () => {
        const threads = wasm.getThreadsCount();
        return `wasm (XNNPACK, ${threads} thread${threads === 1 ? '' : 's'}${simd ? ', SIMD' : ''})`;
      };
    }
    case 'tensorflow': {
      const detail = registerTensorflow();
      return () => detail;
    }
    case 'webgpu': {
      const detail = await registerWebGpu();
      return () => detail;
    }
  }
}

/**
 * The packaged extension bundles tfjs-backend-wasm into dist/engine.js and ships its .wasm files in
 * dist/wasm/ (scripts/build.mjs --production); emscripten would otherwise look next to the bundle.
 * In development the package loads them from its own folder.
 */
function bundledWasmFolder(): string | null {
  const folder = join(__dirname, 'wasm');
  return existsSync(join(folder, 'tfjs-backend-wasm.wasm')) ? folder + sep : null;
}

/**
 * tfjs-node and tfjs-node-gpu are optional: their install downloads libtensorflow, which fails
 * without internet. They are loaded by a computed name through createRequire so that a bundle
 * built without them still loads and reports "not installed".
 */
function registerTensorflow(): string {
  const requireOptional = createRequire(__filename);
  const failures: string[] = [];
  for (const pkg of tensorflowPackages) {
    let loaded: { version?: Record<string, string> };
    try {
      loaded = requireOptional(pkg) as typeof loaded;
    } catch (error) {
      const missing = (error as NodeJS.ErrnoException)?.code === 'MODULE_NOT_FOUND' && errorMessage(error).includes(`'${pkg}'`);
      if (!missing) failures.push(`${pkg} is installed but failed to load: ${errorMessage(error)}`);
      continue;
    }
    if (!tf.findBackendFactory('tensorflow')) {
      throw new Error(
        `${pkg} loaded but registered its backend with another copy of @tensorflow/tfjs-core; ` +
          `install the version that matches @tensorflow/tfjs-core ${tf.version_core}`,
      );
    }
    const version = loaded.version?.['tfjs-node'] ?? '';
    return `tensorflow (${pkg}${version ? ' ' + version : ''}, native libtensorflow${pkg.endsWith('-gpu') ? ' with CUDA' : ''})`;
  }
  if (failures.length) throw new Error(failures.join('; '));
  throw new Error(
    `neither ${tensorflowPackages.join(' nor ')} is installed. Install one next to the engine with ` +
      '`npm install @tensorflow/tfjs-node` (native CPU) or `npm install @tensorflow/tfjs-node-gpu` (CUDA GPU); ' +
      'its install script downloads libtensorflow, so that needs internet access',
  );
}

// ---- webgpu (Dawn for Node) ----

/** The slice of Dawn's WebGPU API this module touches (the `webgpu` package's own types pull in DOM globals). */
interface GpuAdapterLike {
  info?: { vendor?: string; architecture?: string; device?: string; description?: string; isFallbackAdapter?: boolean };
  limits: Record<string, number>;
  requestDevice(descriptor?: unknown): Promise<unknown>;
}
interface GpuLike {
  requestAdapter(options?: Record<string, unknown>): Promise<GpuAdapterLike | null>;
}
interface DawnModule {
  create(flags: string[]): GpuLike;
  globals: Record<string, unknown>;
}

let releaseWebGpu: (() => void) | null = null;
/** tf.setBackend swallows a factory's error (returns false); ours keep it here for the message. */
let factoryError: unknown = null;

/**
 * Finds a WebGPU adapter and registers tfjs's WebGPU backend on it. The real GPU comes first
 * (`create([])`: Vulkan on Linux, Metal, D3D12); without one, the documented software path:
 * Dawn's OpenGL ES backend on Mesa's llvmpipe through a surfaceless EGL display, which needs
 * `apt-get install libegl1 libegl-mesa0 libgles2` and an adapter of featureLevel 'compatibility'.
 */
async function registerWebGpu(): Promise<string> {
  const dawnName = 'webgpu'; // a computed specifier keeps this a real import() of the ESM package
  let dawn: DawnModule;
  try {
    dawn = (await import(dawnName)) as DawnModule;
  } catch (error) {
    throw new Error(`the 'webgpu' package (Dawn for Node) did not load: ${errorMessage(error)}`);
  }
  const webgpuBackend = await import('@tensorflow/tfjs-backend-webgpu');
  for (const [key, value] of Object.entries(dawn.globals)) {
    if (!(key in globalThis)) (globalThis as Record<string, unknown>)[key] = value;
  }
  let gpu = dawn.create([]);
  let adapterOptions: Record<string, unknown> = {};
  let adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' }).catch(() => null);
  if (!adapter) {
    if (!process.env.EGL_PLATFORM) process.env.EGL_PLATFORM = 'surfaceless';
    gpu = dawn.create(['backend=opengles']);
    adapterOptions = { featureLevel: 'compatibility' };
    adapter = await gpu.requestAdapter(adapterOptions).catch(() => null);
  }
  if (!adapter) {
    const platform = process.env.EGL_PLATFORM === 'surfaceless' ? '' : ` with EGL_PLATFORM=surfaceless (it is '${process.env.EGL_PLATFORM}')`;
    throw new Error(
      'no WebGPU adapter: no GPU with Vulkan drivers was found, and the software adapter (Mesa llvmpipe over ' +
        `OpenGL ES) did not start; on Debian/Ubuntu install it with \`apt-get install libegl1 libegl-mesa0 libgles2\`${platform}`,
    );
  }
  const chosen = gpu;
  // tfjs's WebGPU backend checks navigator.gpu; it sees the chosen instance, with the adapter options it needs.
  const navigatorGpu: GpuLike = { requestAdapter: (options) => chosen.requestAdapter({ ...options, ...adapterOptions }) };
  installNavigatorGpu(navigatorGpu);
  const found = adapter;
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  tf.registerBackend('webgpu', async () => {
    const limits = found.limits;
    const requiredLimits = {
      maxComputeWorkgroupStorageSize: limits.maxComputeWorkgroupStorageSize,
      maxComputeWorkgroupsPerDimension: limits.maxComputeWorkgroupsPerDimension,
      maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
      maxBufferSize: limits.maxBufferSize,
      maxComputeWorkgroupSizeX: limits.maxComputeWorkgroupSizeX,
      maxComputeInvocationsPerWorkgroup: limits.maxComputeInvocationsPerWorkgroup,
    };
    try {
      const device = await found.requestDevice({ requiredLimits });
      return new webgpuBackend.WebGPUBackend(device as never, found.info as never);
    } catch (error) {
      factoryError = new Error(`the WebGPU adapter did not give a device: ${errorMessage(error)}`);
      throw error;
    }
  });
  releaseWebGpu = () => installNavigatorGpu(null);
  return describeAdapter(found, adapterOptions.featureLevel === 'compatibility');
}

function installNavigatorGpu(gpu: GpuLike | null): void {
  const g = globalThis as unknown as { navigator?: Record<string, unknown> };
  if (!g.navigator) Object.defineProperty(globalThis, 'navigator', { value: {}, configurable: true, writable: true });
  if (gpu) Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true, writable: true });
  else delete g.navigator!.gpu;
}

/** "webgpu on <vendor> <architecture> <device> (<description>)", plus "software" for CPU rasterizers. */
function describeAdapter(adapter: GpuAdapterLike, compatibility: boolean): string {
  const info = adapter.info ?? {};
  const parts = [info.vendor, info.architecture, info.device].filter((s): s is string => !!s && s.trim() !== '');
  const text = [...parts, info.description ?? ''].join(' ').toLowerCase();
  const software = info.isFallbackAdapter === true || /llvmpipe|swiftshader|lavapipe|softpipe/.test(text);
  const name = parts.length ? parts.join(' ') : 'unknown adapter';
  const notes = [info.description, software ? 'software' : 'GPU', compatibility ? "featureLevel 'compatibility'" : '']
    .filter((s) => !!s && s.trim() !== '');
  return `webgpu on ${name} (${notes.join(', ')})`;
}
