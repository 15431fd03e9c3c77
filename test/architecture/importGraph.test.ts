/**
 * Who may import what, checked over the source of extension/, webview/ and engine/ (the
 * per-runtime tsconfigs compile what a file imports and so cannot stop an edge):
 *
 * - engine/contract/ is what the engine serves: the host <-> engine protocol, the records of a run
 *   folder with their readers, the status union and the error-code table. It imports only itself
 *   and vscode-jsonrpc (the wire's message types): no Node builtin, nothing else of the engine.
 * - The host (extension/) imports extension/, engine/contract/, the experiment validator (exactly
 *   the files of `validatorFiles`, the closure of what analysis.ts uses), the file of webview/ it
 *   shares with the panels (`sharedPanelFiles`: the host <-> panel protocol it speaks), Node
 *   builtins, 'vscode' and npm packages. Nothing else of the engine: no trainer, no run writer, no
 *   git-spawning manifest writer. A shared panel file imports nothing at run time (engine/contract/
 *   by `import type` at most), so both runtimes can.
 * - The panels (webview/) import webview/, npm packages and engine/contract/ by `import type` only
 *   (erased from the bundle), except the import-free files of `panelContractFiles` (the one CSV and
 *   markup quoting, which `iwl table` writes too): no Node builtin, no 'vscode', no other engine
 *   code. So the panels keep their own one-line error formatting rather than importing
 *   engine/contract/errors.ts.
 * - The engine (engine/) never imports extension/, webview/ or 'vscode'.
 *
 * An edge is an `import ... from`, `import type ... from`, `export ... from`, a bare `import '...'`,
 * an `import('...')` or a `require('...')`. Each forbidden edge is printed.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { repoRoot } from '../helpers';

/**
 * The experiment validator as the host runs it: validate.ts, the ValidationHost (Node's fs),
 * the parser and the types, with everything they import (the activation definitions among them). Each file's Node builtins are listed:
 * validationHost.ts answers the validator's file questions from node:fs, validate.ts and files.ts do path
 * arithmetic. Nothing here spawns a process or loads tfjs.
 */
const validatorFiles: Record<string, string[]> = {
  'engine/activations/abRelu.ts': [],
  'engine/activations/activationDefinition.ts': [],
  'engine/activations/cos.ts': [],
  'engine/activations/erf.ts': [],
  'engine/activations/gelu.ts': [],
  'engine/activations/identity.ts': [],
  'engine/activations/leakyRelu.ts': [],
  'engine/activations/registry.ts': [],
  'engine/activations/relu.ts': [],
  'engine/activations/sigmoid.ts': [],
  'engine/activations/sin.ts': [],
  'engine/activations/softplus.ts': [],
  'engine/activations/tanh.ts': [],
  'engine/contract/errors.ts': [],
  'engine/data/csvText.ts': [],
  'engine/data/sources.ts': [],
  'engine/experiment/check.ts': [],
  'engine/experiment/dataChecks.ts': [],
  'engine/experiment/diagnosticCodes.ts': [],
  'engine/experiment/experimentTypes.ts': [],
  'engine/experiment/files.ts': ['node:path'],
  'engine/experiment/fixes.ts': [],
  'engine/experiment/memory.ts': [],
  'engine/experiment/networkChecks.ts': [],
  'engine/experiment/parse.ts': [],
  'engine/experiment/schema.ts': [],
  'engine/experiment/schemaDsl.ts': [],
  'engine/experiment/suggest.ts': [],
  'engine/experiment/sweep.ts': [],
  'engine/experiment/npyChecks.ts': [],
  'engine/util/npyHeader.ts': [],
  'engine/experiment/estimate.ts': [],
  'engine/experiment/validate.ts': ['node:path'],
  'engine/experiment/validationHost.ts': ['node:fs', 'node:os'],
  'engine/kernels/special.ts': [],
  'engine/linalg/choleskyBlocks.ts': [],
  'engine/nn/architecture.ts': [],
  'engine/train/adamLimitDefaults.ts': [],
};
/** What the host imports of the validator; `validatorFiles` is their closure. */
const validatorEntries = ['engine/experiment/validate.ts', 'engine/experiment/validationHost.ts', 'engine/experiment/parse.ts', 'engine/experiment/experimentTypes.ts', 'engine/experiment/estimate.ts'];
/** The npm packages the validator may use (the parser's). */
const validatorPackages = ['jsonc-parser', 'yaml'];
/**
 * Packages the validator may name by `import type` only (erased from the host's bundle): the
 * activation definitions write their tfjs forward against the tfjs namespace they are handed.
 */
const validatorTypePackages = ['@tensorflow/tfjs'];
/** The host <-> panel protocol: a file of webview/ the host compiles. */
const panelProtocol = 'webview/protocol.ts';
/** The files of webview/ the host compiles (extension/tsconfig.json includes exactly these). */
const sharedPanelFiles = [panelProtocol];
/** The files of engine/contract/ the panels may import at run time: each imports nothing. */
const panelContractFiles = ['engine/contract/textEscapes.ts'];
/** What engine/contract/ may import besides itself. */
const contractPackages = ['vscode-jsonrpc'];

type Target = { kind: 'file'; path: string } | { kind: 'builtin'; name: string } | { kind: 'vscode' } | { kind: 'package'; name: string } | { kind: 'missing'; spec: string };

interface Edge {
  from: string;
  spec: string;
  typeOnly: boolean;
  target: Target;
}

function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? walk(full) : /\.ts$/.test(name) ? [full] : [];
  });
}

const posix = (p: string) => p.split(sep).join('/');

function resolveSpec(fromFile: string, spec: string): Target {
  if (spec.startsWith('.')) {
    const base = resolve(dirname(fromFile), spec);
    for (const candidate of [base, `${base}.ts`, join(base, 'index.ts')]) {
      if (existsSync(candidate) && statSync(candidate).isFile()) return { kind: 'file', path: posix(relative(repoRoot, candidate)) };
    }
    return { kind: 'missing', spec };
  }
  if (spec === 'vscode') return { kind: 'vscode' };
  if (isBuiltin(spec)) return { kind: 'builtin', name: spec.startsWith('node:') ? spec : `node:${spec}` };
  const parts = spec.split('/');
  return { kind: 'package', name: spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0] };
}

/** The import edges of one source file. */
function edgesOf(file: string): Edge[] {
  const from = posix(relative(repoRoot, file));
  // Comment lines cannot start an import; dropping them keeps doc text ("see import('x')") out.
  const text = readFileSync(file, 'utf8')
    .split('\n')
    .map((line) => (/^\s*(\/\/|\/?\*)/.test(line) ? '' : line))
    .join('\n');
  const edges: Edge[] = [];
  const add = (spec: string, typeOnly: boolean) => edges.push({ from, spec, typeOnly, target: resolveSpec(file, spec) });
  // Static: `import [type] X from 'm'`, `export [type] { X } from 'm'`, `export * from 'm'`; the clause has no quote or semicolon.
  for (const m of text.matchAll(/^[ \t]*(import|export)(\s+type\b)?([^;'"`]*?)\bfrom\s*(['"])([^'"]+)\4/gm)) add(m[5], m[2] !== undefined);
  // A bare side-effect import: `import 'm';`.
  for (const m of text.matchAll(/^[ \t]*import\s*(['"])([^'"]+)\1/gm)) add(m[2], false);
  // `import('m')` (a dynamic import or a type query) and `require('m')`: counted as value edges.
  for (const m of text.matchAll(/(?:\bimport|\brequire)\s*\(\s*(['"])([^'"]+)\1\s*\)/g)) add(m[2], false);
  return edges;
}

const sources = ['engine', 'extension', 'webview'].flatMap((d) => walk(join(repoRoot, d))).sort();
const graph = new Map<string, Edge[]>(sources.map((f) => [posix(relative(repoRoot, f)), edgesOf(f)]));

const isContract = (p: string) => p.startsWith('engine/contract/');

function describeEdge(e: Edge): string {
  const t = e.target;
  const to = t.kind === 'file' ? t.path : t.kind === 'builtin' ? t.name : t.kind === 'package' ? `npm ${t.name}` : t.kind === 'vscode' ? "'vscode'" : `unresolved '${t.spec}'`;
  return `${e.from} -> ${to}${e.typeOnly ? ' (import type)' : ''}`;
}

/** Why an edge breaks the rule, or null when it keeps it. */
function violation(e: Edge): string | null {
  const t = e.target;
  if (t.kind === 'missing') return 'resolves to no file';
  if (isContract(e.from)) {
    if (t.kind === 'file' && isContract(t.path)) return null;
    if (t.kind === 'package' && contractPackages.includes(t.name)) return null;
    return `engine/contract/ imports only itself and ${contractPackages.join(', ')}`;
  }
  if (e.from.startsWith('engine/')) {
    if (t.kind === 'vscode') return "the engine never imports 'vscode'";
    if (t.kind === 'file' && (t.path.startsWith('extension/') || t.path.startsWith('webview/'))) return 'the engine never imports extension/ or webview/';
    return null;
  }
  if (e.from.startsWith('extension/')) {
    if (t.kind !== 'file') return null;
    if (t.path.startsWith('extension/') || isContract(t.path) || t.path in validatorFiles || sharedPanelFiles.includes(t.path)) return null;
    return `the host imports only extension/, engine/contract/, the experiment validator and ${sharedPanelFiles.join(', ')}`;
  }
  if (sharedPanelFiles.includes(e.from)) {
    if (t.kind === 'file' && isContract(t.path) && e.typeOnly) return null;
    return 'a file the host and the panels share imports nothing at run time (engine/contract/ by `import type` at most)';
  }
  if (e.from.startsWith('webview/')) {
    if (t.kind === 'package') return null;
    if (t.kind === 'builtin' || t.kind === 'vscode') return "the panels import no Node builtin and not 'vscode'";
    if (t.path.startsWith('webview/')) return null;
    if (isContract(t.path) && (e.typeOnly || panelContractFiles.includes(t.path))) return null;
    if (isContract(t.path)) return `the panels import engine/contract/ by \`import type\` only (at run time: ${panelContractFiles.join(', ')})`;
    return 'the panels import only webview/ and (type-only) engine/contract/';
  }
  return null;
}

describe('the import graph keeps the contracts in one place', () => {
  test('the scan sees the graph (every source file, the known edges)', () => {
    assert.ok(graph.size > 100, `only ${graph.size} source files found under ${repoRoot}`);
    const all = [...graph.values()].flat().map(describeEdge);
    assert.ok(all.includes('extension/engineClient.ts -> engine/contract/engineProtocol.ts'), 'the host speaks the engine protocol');
    assert.ok(all.includes('webview/protocol.ts -> engine/contract/records.ts (import type)'), 'the panel protocol uses the run records');
    assert.ok(all.includes('extension/panels/panelManager.ts -> webview/protocol.ts'), 'the host speaks the panel protocol');
  });

  test('no edge crosses the rule', () => {
    const bad = [...graph.values()]
      .flat()
      .map((e) => ({ e, why: violation(e) }))
      .filter((v) => v.why !== null)
      .map((v) => `${describeEdge(v.e)}: ${v.why}`);
    assert.deepEqual(bad, [], `forbidden import edges:\n  ${bad.join('\n  ')}`);
  });

  test('the contract files the panels load import nothing', () => {
    for (const path of panelContractFiles) {
      assert.ok(graph.has(path), `${path} is missing`);
      assert.deepEqual((graph.get(path) ?? []).map(describeEdge), [], `${path} is bundled into the panels`);
    }
    const used = [...graph.values()].flat().filter((e) => e.from.startsWith('webview/') && !e.typeOnly && e.target.kind === 'file' && isContract(e.target.path));
    assert.deepEqual([...new Set(used.map((e) => (e.target as { path: string }).path))].sort(), [...panelContractFiles].sort(), 'each is used by the panels');
  });

  test('the host compiles exactly the shared panel files of webview/', () => {
    const config = JSON.parse(readFileSync(join(repoRoot, 'extension', 'tsconfig.json'), 'utf8')) as { include: string[] };
    const fromWebview = config.include.filter((p) => p.startsWith('../webview/')).map((p) => p.slice(3)).sort();
    assert.deepEqual(fromWebview, [...sharedPanelFiles].sort());
    const used = new Set([...graph.values()].flat().filter((e) => e.from.startsWith('extension/') && e.target.kind === 'file' && e.target.path.startsWith('webview/')).map((e) => (e.target as { path: string }).path));
    assert.deepEqual([...used].sort(), [...sharedPanelFiles].sort(), 'each shared file is used by the host');
  });

  test('the experiment validator the host runs is exactly the listed files, with only the listed Node builtins', () => {
    const closure = new Set<string>();
    const visit = (path: string) => {
      if (closure.has(path)) return;
      closure.add(path);
      for (const e of graph.get(path) ?? []) if (e.target.kind === 'file') visit(e.target.path);
    };
    validatorEntries.forEach(visit);
    assert.deepEqual([...closure].sort(), Object.keys(validatorFiles).sort(), 'validatorFiles must be the closure of validatorEntries');
    const bad: string[] = [];
    for (const path of closure) {
      for (const e of graph.get(path) ?? []) {
        const t = e.target;
        if (t.kind === 'builtin' && !validatorFiles[path].includes(t.name)) bad.push(`${describeEdge(e)}: not a listed builtin of ${path}`);
        if (t.kind === 'package' && !validatorPackages.includes(t.name) && !(e.typeOnly && validatorTypePackages.includes(t.name))) {
          bad.push(`${describeEdge(e)}: the validator uses only ${validatorPackages.join(', ')} (and ${validatorTypePackages.join(', ')} by \`import type\`)`);
        }
        if (t.kind === 'vscode') bad.push(`${describeEdge(e)}: the validator runs outside VS Code too`);
      }
    }
    assert.deepEqual(bad, [], `the validator's imports:\n  ${bad.join('\n  ')}`);
  });
});
