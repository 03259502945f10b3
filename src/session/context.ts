/**
 * What every part of the session loop works with: the run's settings and options, the project, the state
 * store, the event log, the redactor, the sandbox, the run lock and the notifier, set up once per run.
 */
import type { CommandIO } from '../cli/io.js';
import type { RunConfig } from '../config/types.js';
import type { Env } from '../engine/env.js';
import type { ProgressView } from '../report/live-view.js';
import type { NotifyEvent } from '../report/notify.js';
import type { Redactor } from '../report/redact.js';
import type { EventLog } from '../state/events.js';
import type { RunLock } from '../state/lock.js';
import type { StateStore } from '../state/store.js';
import type { PreparedSandbox } from './sandbox-setup.js';

export interface LoopOptions {
  /** Variables for the CLI child on top of the user's environment (the demo points it at the fake model). */
  engineEnv?: Env;
  /** Environment variables removed from the CLI child's environment. */
  unsetEnv?: readonly string[];
  /** Why `config.sandbox` is false when the caller turned it off, not the user (`--no-sandbox` otherwise). */
  sandboxOffReason?: string;
  /** Offer the agent the Playwright MCP server (when Chromium is installed); default true. */
  browserMcp?: boolean;
  /** For tests: the random source of the backoff jitter. */
  random?: () => number;
}

export interface LoopContext {
  config: RunConfig;
  /** Where lines for people go (stderr with --json), through the live view when a person watches. */
  io: CommandIO;
  /** The status block under the log in a terminal; does nothing when the output is plain. */
  view: ProgressView;
  options: LoopOptions;
  /** The project directory, resolved (realpath). */
  projectDir: string;
  store: StateStore;
  events: EventLog;
  redact: Redactor;
  sandbox: PreparedSandbox;
  lock: RunLock;
  /** The user's environment without `options.unsetEnv`. */
  baseEnv: Env;
  notify: (event: NotifyEvent, details: Record<string, unknown>) => void;
  /** When this invocation started (for --max-duration). */
  startedAt: number;
}
