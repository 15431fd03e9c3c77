/**
 * The webview's side of the channel to the extension host: typed posting, the state VS Code keeps
 * across reloads (getState/setState: what the panel serializer reads back), and one polite
 * aria-live region for announcements.
 */
import type { FromPanel, PanelKind, PanelState, PanelUiState } from './protocol';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

export class Host {
  private readonly api: VsCodeApi;
  private selectionTimer: number | null = null;

  constructor() {
    // VS Code allows one acquisition per page load.
    this.api = acquireVsCodeApi();
  }

  post(message: FromPanel): void {
    this.api.postMessage(message);
  }

  /** The saved state of this kind of panel, or null (a fresh panel). */
  state(kind: PanelKind): PanelState | null {
    const s = this.api.getState() as PanelState | undefined;
    return s && s.kind === kind && Array.isArray(s.dirs) ? s : null;
  }

  /** Saves the state now and tells the host the selection a little later (a burst of toggles sends one message). */
  save(state: PanelState): void {
    this.api.setState(state);
    if (this.selectionTimer !== null) clearTimeout(this.selectionTimer);
    this.selectionTimer = window.setTimeout(() => {
      this.selectionTimer = null;
      this.post({ type: 'selection', ui: state.ui });
    }, 250);
  }

  log(level: 'info' | 'error', message: string): void {
    this.post({ type: 'log', level, message: message.slice(0, 8000) });
  }

  /** An unexpected error for the host's log, with its stack (the panels' own formatting: of engine/contract/ they load only the text escapes). */
  logError(what: string, error: unknown): void {
    this.log('error', `${what}: ${errorText(error, true)}`);
  }
}

export interface PanelContext {
  host: Host;
  kind: PanelKind;
  /** UI state, shared by the view and saved with `persist`. */
  ui: PanelUiState;
  dirs: string[];
  persist(): void;
  announce(text: string): void;
}

/** An error's message (or, with `stack`, its stack) as one string, whatever was thrown. */
export function errorText(error: unknown, stack = false): string {
  return error instanceof Error ? (stack ? error.stack ?? error.message : error.message) : String(error);
}
