/**
 * `.claude-harness/state.json`: what the harness knows about a run, kept so that a rerun resumes where the
 * last one stopped. Every change is lock → read → change → atomic write (temp file + rename) → unlock, so
 * several processes (the run, `claude-harness skipped --reset`) can change it at once and a reader never
 * sees half a file. A file that cannot be read is moved aside, never overwritten.
 */
import { readFile, rename, stat } from 'node:fs/promises';
import writeFileAtomic from 'write-file-atomic';
import { findJsonSyntaxProblem } from '../config/json-syntax.js';
import {
  assignIds,
  type Feature,
  featureNumber,
  formatFeatureId,
  type IdentifiedFeature,
} from '../ledger/feature-list.js';
import { StateCorruptError, StateLockError, StateVersionError } from './errors.js';
import { withFileLock } from './file-lock.js';
import * as change from './mutations.js';
import { ensureHarnessDir, statePath } from './paths.js';
import { type EndedOutcome, freshState, type HarnessState, STATE_VERSION, stateSchema } from './schema.js';

export interface StateStoreOptions {
  /** The clock; tests pass a fixed one. */
  now?: () => Date;
}

export interface StateStore {
  readonly projectDir: string;
  /** `<projectDir>/.claude-harness/state.json` */
  readonly path: string;
  /** The current state; a fresh one (not yet written) when the file does not exist. */
  load(): Promise<HarnessState>;
  /** Applies `fn` to the current state under the lock and writes the result atomically. */
  update<T>(fn: (state: HarnessState) => T | Promise<T>): Promise<T>;
  startRun(info: change.RunStart): Promise<void>;
  /** Records a `running` session; returns its number. */
  beginSession(start: change.SessionStart): Promise<number>;
  patchSession(n: number, patch: change.SessionPatch): Promise<void>;
  /** Ends a running session and records its feature attempt (once; false if it had already ended). */
  endSession(n: number, outcome: EndedOutcome, end?: change.SessionEnd): Promise<boolean>;
  /** Records an attempt unless one for that session exists (endSession already records it). */
  recordAttempt(
    featureId: string,
    attempt: { session: number; outcome: EndedOutcome; reason?: string },
  ): Promise<boolean>;
  skipFeature(featureId: string, reason: string): Promise<void>;
  /** Clears skip and attempts; returns the ids reset. */
  resetSkipped(ids: readonly string[] | 'all'): Promise<string[]>;
  /** For resume, under the run lock: sessions a dead harness left `running` become `interrupted`. */
  markRunningSessionsInterrupted(): Promise<number[]>;
  /** Gives every feature a stable id (see `assignIds`) and remembers the highest one issued. */
  assignFeatureIds(features: readonly Feature[]): Promise<IdentifiedFeature[]>;
}

export function openState(projectDir: string, options: StateStoreOptions = {}): StateStore {
  const path = statePath(projectDir);
  const now = () => (options.now ?? (() => new Date()))().toISOString();

  const update = async <T>(fn: (state: HarnessState) => T | Promise<T>): Promise<T> => {
    await ensureHarnessDir(projectDir);
    return withFileLock(path, async (compromised) => {
      const state = await readOrFail(path, now());
      const result = await fn(state);
      // Catches a bad change before it reaches the disk.
      const checked = stateSchema.parse(state);
      const lost = compromised();
      if (lost) throw new StateLockError(`lost the lock on ${path} while updating it: ${lost.message}`);
      await writeFileAtomic(path, `${JSON.stringify(checked, null, 2)}\n`);
      return result;
    });
  };

  return {
    projectDir,
    path,
    async load() {
      const read = await readStateFile(path);
      if (read.kind === 'corrupt') {
        // Decide under the lock: a writer may have just replaced the file.
        return withFileLock(path, () => readOrFail(path, now()));
      }
      return interpret(read, path, now());
    },
    update,
    startRun: (info) => update((s) => change.startRun(s, info, now())),
    beginSession: (start) => update((s) => change.beginSession(s, start, now())),
    patchSession: (n, patch) => update((s) => change.patchSession(s, n, patch)),
    endSession: (n, outcome, end = {}) => update((s) => change.endSession(s, n, outcome, end, now())),
    recordAttempt: (featureId, attempt) =>
      update((s) => {
        const record = { session: attempt.session, outcome: attempt.outcome, at: now() };
        return change.recordAttempt(
          s,
          featureId,
          attempt.reason === undefined ? record : { ...record, reason: attempt.reason },
        );
      }),
    skipFeature: (featureId, reason) => update((s) => change.skipFeature(s, featureId, reason, now())),
    resetSkipped: (ids) => update((s) => change.resetFeatures(s, ids)),
    markRunningSessionsInterrupted: () => update((s) => change.markRunningSessionsInterrupted(s, now())),
    assignFeatureIds: (features) =>
      update((s) => {
        const issued = [...Object.keys(s.features), formatFeatureId(s.lastFeatureNumber)];
        const identified = assignIds(features, issued);
        for (const feature of identified) {
          s.lastFeatureNumber = Math.max(s.lastFeatureNumber, featureNumber(feature.id));
        }
        return identified;
      }),
  };
}

type StateRead =
  | { kind: 'missing' }
  | { kind: 'ok'; state: HarnessState }
  | { kind: 'newer'; version: unknown }
  | { kind: 'corrupt'; problem: string };

export async function readStateFile(path: string): Promise<StateRead> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
    throw error;
  }
  if (text.trim() === '') return { kind: 'corrupt', problem: 'the file is empty' };
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    const at = findJsonSyntaxProblem(text);
    const where = at ? ` at line ${at.line}, column ${at.column}: ${at.reason}` : '';
    return { kind: 'corrupt', problem: `it is not valid JSON${where}` };
  }
  const version = (data as { version?: unknown } | null)?.version;
  if (typeof version === 'number' && version > STATE_VERSION) return { kind: 'newer', version };
  const parsed = stateSchema.safeParse(data);
  if (parsed.success) return { kind: 'ok', state: parsed.data };
  const issue = parsed.error.issues[0];
  const where = issue === undefined || issue.path.length === 0 ? '' : `${formatPath(issue.path)}: `;
  return {
    kind: 'corrupt',
    problem: `it does not have the expected shape (${where}${issue?.message ?? 'invalid'})`,
  };
}

async function readOrFail(path: string, now: string): Promise<HarnessState> {
  return interpret(await readStateFile(path), path, now);
}

async function interpret(read: StateRead, path: string, now: string): Promise<HarnessState> {
  switch (read.kind) {
    case 'missing':
      return freshState();
    case 'ok':
      return read.state;
    case 'newer':
      throw new StateVersionError(
        `${path} has version ${String(read.version)}, written by a newer claude-harness; this one reads version ${STATE_VERSION}. Upgrade claude-harness to continue this project.`,
      );
    case 'corrupt': {
      const movedTo = await moveAside(path, now);
      throw new StateCorruptError(
        `${path} could not be read: ${read.problem}. It was moved to ${movedTo} and nothing was overwritten. ` +
          'Rerun the same command to continue: the harness starts a fresh state from the files on disk ' +
          '(feature_list.json and git history are kept; attempt counts and skipped features start over).',
        movedTo,
      );
    }
  }
}

async function moveAside(path: string, now: string): Promise<string> {
  const base = `${path}.corrupt-${now.replace(/:/g, '-')}`;
  for (let n = 1; ; n++) {
    const target = n === 1 ? base : `${base}-${n}`;
    const taken = await stat(target).then(
      () => true,
      () => false,
    );
    if (taken) continue;
    await rename(path, target);
    return target;
  }
}

function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((key, i) => (typeof key === 'number' ? `[${key}]` : `${i === 0 ? '' : '.'}${String(key)}`))
    .join('');
}
