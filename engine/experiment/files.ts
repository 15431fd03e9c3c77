/**
 * Paths inside experiment and kernel-spec files: relative to the file's folder, they must name an
 * existing file and must not leave the file's folder tree, also not through a symbolic link.
 */
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { ValidationHost } from './validationHost';
import { CheckContext } from './check';
import { errorMessage } from '../contract/errors';

/** The folder whose tree the file's paths must stay in. */
export function baseFolder(filePath: string): string {
  return dirname(resolve(filePath));
}

function outside(folder: string, target: string): boolean {
  const rel = relative(folder, target);
  return rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel);
}

function realpathOr(host: ValidationHost, path: string): string {
  try {
    const real = host.realpath(path);
    return typeof real === 'string' && real !== '' ? real : path;
  } catch {
    return path;
  }
}

/**
 * Checks the path `value` found at `path` in the file; returns its absolute path, or null after
 * reporting why it cannot be used.
 */
export function checkReferencedFile(value: string, path: string, filePath: string, host: ValidationHost, ctx: CheckContext): string | null {
  const folder = baseFolder(filePath);
  const target = resolve(folder, value);
  const range = ctx.rangeOf(path);
  const exists = safe(() => host.exists(target), false);
  if (outside(folder, target)) {
    ctx.error('path-outside-experiment-folder', path, `${JSON.stringify(value)} resolves to ${target}, outside the experiment's folder ${folder}; keep data inside the folder (or a subfolder) of the experiment file`, range);
    return null;
  }
  if (!exists) {
    ctx.error('referenced-file-not-found', path, `no file ${JSON.stringify(value)} (looked for ${target})`, range);
    return null;
  }
  if (!safe(() => host.isFile(target), false)) {
    ctx.error('referenced-file-not-found', path, `${JSON.stringify(value)} is not a file (${target})`, range);
    return null;
  }
  const realFolder = realpathOr(host, folder);
  const realTarget = realpathOr(host, target);
  if (outside(realFolder, realTarget)) {
    ctx.error('path-outside-experiment-folder', path, `${JSON.stringify(value)} is a link to ${realTarget}, outside the experiment's folder ${realFolder}; copy the file into the folder instead`, range);
    return null;
  }
  return target;
}

/** Reads a referenced file's text, reporting a failure as file-unreadable. */
export function readReferencedText(target: string, path: string, host: ValidationHost, ctx: CheckContext): string | null {
  try {
    const text = host.readText(target);
    if (typeof text !== 'string') throw new TypeError('the host returned no text');
    return text;
  } catch (error) {
    ctx.error('file-unreadable', path, `cannot read ${target} (${errorMessage(error)})`, ctx.rangeOf(path));
    return null;
  }
}

function safe<T>(f: () => T, fallback: T): T {
  try {
    return f();
  } catch {
    return fallback;
  }
}

/** The host with each file's text read once (the points of a sweep read the same data files). */
export function memoizedHost(host: ValidationHost): ValidationHost {
  const texts = new Map<string, string>();
  const prefixes = new Map<string, Uint8Array>();
  const readPrefix = host.readPrefix?.bind(host);
  return {
    ...host,
    ...(readPrefix
      ? {
          readPrefix(path: string, maxBytes: number): Uint8Array {
            const key = `${maxBytes}:${path}`;
            const known = prefixes.get(key) ?? readPrefix(path, maxBytes);
            prefixes.set(key, known);
            return known;
          },
        }
      : {}),
    readText(path: string): string {
      const known = texts.get(path);
      if (known !== undefined) return known;
      const text = host.readText(path);
      texts.set(path, text);
      return text;
    },
  };
}
