/**
 * A real VS Code for end-to-end tests: code-server 4.100.3 (built once by scripts/e2e.mjs into
 * ~/.cache/iwl-code-server/4.100.3) on loopback, with a temporary user-data and extensions folder,
 * driven through Debian's chromium by playwright-core.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const codeServerVersion = '4.100.3';

export function codeServerEntry(): string {
  const entry = process.env.IWL_CODE_SERVER_ENTRY ?? join(homedir(), '.cache', 'iwl-code-server', codeServerVersion, 'package', 'out', 'node', 'entry.js');
  if (!existsSync(entry)) throw new Error(`code-server ${codeServerVersion} is not installed at ${entry}: run \`node scripts/e2e.mjs --install-only\``);
  return entry;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * Installs the packaged extension (the .vsix that scripts/e2e.mjs builds with `npm run package`,
 * passed in IWL_VSIX) into `extensionsDir` with code-server's own `--install-extension`, as a user
 * would: nothing of the repository (its node_modules included) is reachable from the installed copy.
 * Returns the installed folder, `publisher.name-version`.
 */
export function installExtensionFolder(repoRoot: string, extensionsDir: string): string {
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { publisher: string; name: string; version: string };
  const vsix = process.env.IWL_VSIX;
  if (!vsix || !existsSync(vsix)) throw new Error(`no .vsix to install (IWL_VSIX=${vsix ?? ''}): run the end-to-end tests with \`npm run test:e2e\`, which packages the extension first`);
  mkdirSync(extensionsDir, { recursive: true });
  const installed = spawnSync(
    process.execPath,
    [codeServerEntry(), '--extensions-dir', extensionsDir, '--user-data-dir', join(extensionsDir, '..', 'install-user-data'), '--install-extension', vsix],
    { encoding: 'utf8', timeout: 120_000 },
  );
  const target = join(extensionsDir, `${pkg.publisher}.${pkg.name}-${pkg.version}`);
  if (installed.status !== 0 || !existsSync(join(target, 'package.json'))) {
    throw new Error(`code-server --install-extension ${vsix} failed (exit ${installed.status ?? installed.signal}):\n${installed.stdout}${installed.stderr}`);
  }
  return target;
}

export interface CodeServer {
  url: string;
  port: number;
  userDataDir: string;
  process: ChildProcess;
  output: string[];
  stop(): Promise<void>;
}

/** `trusted: false` opens the folder in Restricted Mode (workspace trust on, no startup prompt). */
export async function startCodeServer(options: { userDataDir: string; extensionsDir: string; workspace: string; trusted?: boolean; settings?: Record<string, unknown> }): Promise<CodeServer> {
  const trusted = options.trusted ?? true;
  const port = await freePort();
  mkdirSync(join(options.userDataDir, 'User'), { recursive: true });
  writeFileSync(
    join(options.userDataDir, 'User', 'settings.json'),
    JSON.stringify(
      {
        'workbench.startupEditor': 'none',
        'workbench.tips.enabled': false,
        'workbench.enableExperiments': false,
        'telemetry.telemetryLevel': 'off',
        'extensions.autoCheckUpdates': false,
        'extensions.autoUpdate': false,
        'update.mode': 'none',
        'editor.codeLens': true,
        'files.autoSave': 'off',
        'security.workspace.trust.enabled': !trusted,
        'security.workspace.trust.startupPrompt': 'never',
        'security.workspace.trust.banner': 'never',
        ...options.settings,
      },
      null,
      2,
    ),
  );
  const output: string[] = [];
  const child = spawn(
    process.execPath,
    [
      codeServerEntry(),
      '--auth', 'none',
      '--bind-addr', `127.0.0.1:${port}`,
      '--disable-telemetry',
      '--disable-update-check',
      ...(trusted ? ['--disable-workspace-trust'] : []),
      '--user-data-dir', options.userDataDir,
      '--extensions-dir', options.extensionsDir,
      options.workspace,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: { ...process.env, CS_DISABLE_FILE_DOWNLOADS: '1' } },
  );
  const keep = (chunk: Buffer) => {
    output.push(...chunk.toString('utf8').split('\n').filter((l) => l.trim()));
    if (output.length > 400) output.splice(0, output.length - 400);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`code-server exited with code ${child.exitCode}:\n${output.slice(-30).join('\n')}`);
    try {
      const response = await fetch(`${url}/healthz`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`code-server did not answer on ${url} within 60 s:\n${output.slice(-30).join('\n')}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    port,
    userDataDir: options.userDataDir,
    process: child,
    output,
    async stop() {
      if (child.exitCode !== null || child.pid === undefined) return;
      const closed = new Promise<void>((r) => child.once('exit', () => r()));
      try {
        process.kill(-child.pid, 'SIGTERM'); // the whole group: code-server, its extension host, the engine
      } catch {
        child.kill('SIGTERM');
      }
      await Promise.race([closed, new Promise((r) => setTimeout(r, 5000))]);
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // gone
      }
    },
  };
}

/** The extension's log channel as VS Code writes it to disk (a LogOutputChannel has a file). */
export function extensionLog(userDataDir: string): string {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const name of existsSync(dir) ? readdirSync(dir) : []) {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (name.includes('Infinite Width Lab') && name.endsWith('.log')) files.push(full);
    }
  };
  walk(join(userDataDir, 'logs'));
  return files.map((f) => readFileSync(f, 'utf8')).join('\n');
}
