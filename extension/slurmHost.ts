/**
 * Run on Slurm in the window: whether `sbatch` is on PATH (at activation and on Refresh), the
 * command that submits an experiment file (`iwl slurm --submit` through slurmRuns.ts, into a new
 * run folder under the results root), and the following of every submitted cluster run the run
 * index lists as running: a look at squeue every `infiniteWidthLab.slurm.pollSeconds` while any is
 * pending or running, the Runs view and the run's panels refreshed as its shards land, merged for
 * good when all have ended. The run folder (slurm.json) is the record, so a reload picks it up again.
 */
import * as vscode from 'vscode';
import { join } from 'node:path';
import { findOnPath } from './engineLaunch';
import type { EngineLaunch } from './engineClient';
import type { RunIndex } from './runIndex';
import type { PanelHost } from './panels/panelManager';
import { isSubmittedClusterRun, newRunFolder } from './runStore';
import { readSettings, readSlurmSettings, resultsRootFor, section } from './settings';
import { RefreshTimer } from './coalesce';
import { ClusterMonitor, commandRunner, iwlRunner, submitClusterRun, type ClusterState } from './slurmRuns';
import { errorMessage } from '../engine/contract/errors';

export const slurmContextKey = 'infiniteWidthLab.slurmAvailable';

export class SlurmHost implements vscode.Disposable {
  private sbatch: string | null = null;
  private readonly emitter = new vscode.EventEmitter<ClusterState | null>();
  private readonly subscriptions: vscode.Disposable[] = [];
  private readonly poll = new RefreshTimer(() => void this.lookAll());
  private looking = false;
  private readonly monitor: ClusterMonitor;
  /** A cluster run changed (or Slurm's availability did): the Runs view and the lenses repaint. */
  readonly onDidChange = this.emitter.event;

  constructor(
    private readonly extensionRoot: string,
    private readonly launch: () => EngineLaunch,
    private readonly index: RunIndex,
    private readonly panels: PanelHost,
    private readonly log: (line: string) => void,
  ) {
    this.monitor = new ClusterMonitor({
      slurm: commandRunner(process.env, 30_000),
      iwl: (args) => this.iwl()(args),
      log,
      onChange: (state) => {
        this.panels.refreshRun(state.dir);
        if (state.final) this.index.schedule(0);
        this.emitter.fire(state);
      },
    });
    this.subscriptions.push(
      this.emitter,
      // A run folder not looked at yet (submitted now, or found after a reload): look at once.
      index.onDidChange(() => {
        if (this.clusterDirs().some((d) => !this.monitor.state(d))) this.pollSoon(0);
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(`${section}.slurm`)) this.pollSoon(0);
      }),
    );
    this.checkAvailable();
  }

  /** Looks for sbatch on PATH again (on activation, and when the Runs view is refreshed). */
  checkAvailable(): boolean {
    const found = findOnPath('sbatch', process.env.PATH);
    if (found !== this.sbatch) {
      this.sbatch = found;
      this.log(found ? `slurm: sbatch found at ${found}: Run on Slurm is available` : 'slurm: no sbatch on PATH: Run on Slurm is hidden');
      this.emitter.fire(null);
    }
    void vscode.commands.executeCommand('setContext', slurmContextKey, found !== null);
    return found !== null;
  }

  get available(): boolean {
    return this.sbatch !== null;
  }

  /** The followed state of a cluster run folder, once looked at. */
  state(dir: string): ClusterState | undefined {
    return this.monitor.state(dir);
  }

  private iwl() {
    const launch = this.launch();
    return iwlRunner({ execPath: launch.execPath, iwlPath: join(this.extensionRoot, 'dist', 'iwl.js'), env: { ...process.env, ...launch.env } });
  }

  /** Asks for the shard count and submits the file; opens the run's panel. */
  async submit(document: vscode.TextDocument): Promise<void> {
    if (!this.checkAvailable()) {
      void vscode.window.showWarningMessage('Infinite Width Lab: sbatch is not on PATH here; Run on Slurm needs a Slurm login node (reach one with Remote-SSH).');
      return;
    }
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage('Infinite Width Lab: runs are disabled in Restricted Mode; trust this folder to submit it to Slurm.');
      return;
    }
    if (document.isDirty) await document.save();
    const defaults = readSlurmSettings(document.uri);
    const answer = await vscode.window.showInputBox({
      title: 'Run on Slurm: how many shards (array tasks)?',
      value: String(defaults.shards),
      validateInput: (v) => (/^\s*[1-9]\d*\s*$/.test(v) ? null : 'a whole number of at least 1'),
    });
    if (answer === undefined) return;
    const shards = Number(answer.trim());
    const runDir = newRunFolder(resultsRootFor(document.uri), document.fileName);
    const options = { experimentFile: document.fileName, runDir, shards, partition: defaults.partition, time: defaults.time, gpus: defaults.gpus, backend: readSettings(document.uri).backend };
    const jobId = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Infinite Width Lab: submitting ${shards} shards to Slurm` }, () => submitClusterRun(this.iwl(), options));
    this.log(`slurm: submitted job array ${jobId} (${shards} shards) of ${document.fileName} into ${runDir}`);
    void vscode.window.showInformationMessage(`Infinite Width Lab: Slurm job ${jobId} submitted (${shards} shards); the Runs view follows it.`);
    await this.index.refresh();
    this.panels.showRun(runDir);
  }

  /** Stop on a cluster run: scancel its array (the next look merges what ended). */
  async cancel(dir: string): Promise<void> {
    const jobId = await this.monitor.cancel(dir);
    void vscode.window.showInformationMessage(`Infinite Width Lab: scancel ${jobId} sent.`);
    this.pollSoon(1000);
  }

  /** Whether a run folder is a cluster run not yet merged for good. */
  isGoing(dir: string): boolean {
    const run = this.index.runs.find((r) => r.dir === dir);
    return !!run && isSubmittedClusterRun(run) && !this.monitor.state(dir)?.final;
  }

  private clusterDirs(): string[] {
    return this.index.runs.filter(isSubmittedClusterRun).map((r) => r.dir);
  }

  private pollSoon(delayMs: number): void {
    if (this.clusterDirs().length) this.poll.soon(delayMs);
  }

  private async lookAll(): Promise<void> {
    if (this.looking) return;
    this.looking = true;
    try {
      for (const dir of this.clusterDirs()) {
        try {
          await this.monitor.look(dir);
        } catch (error) {
          this.log(`slurm: following ${dir} failed: ${errorMessage(error)}`);
        }
      }
    } finally {
      this.looking = false;
    }
    if (this.clusterDirs().some((d) => !this.monitor.state(d)?.final)) this.poll.soon(readSlurmSettings().pollSeconds * 1000);
  }

  dispose(): void {
    this.poll.dispose();
    for (const s of this.subscriptions) s.dispose();
  }
}
