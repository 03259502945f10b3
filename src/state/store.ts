/**
 * `.claude-harness/state.json`: what the harness knows about a run, kept so that a rerun resumes where the
 * last one stopped. Every change is lock → read → change → atomic write (temp file + rename) → unlock, so
 * several processes (the run, `claude-harness skipped --reset`) can change it at once and a reader never
 * sees half a file. A file that cannot be read is moved aside, never overwritten, and the state is recovered
 * from its last good copy or, failing that, rebuilt from the events journal (records.ts, rebuild.ts).
 */
import { dirname } from 'node:path';
import { findJsonSyntaxProblem } from '../config/json-syntax.js';
import {
  assignIds,
  type Feature,
  featureNumber,
  formatFeatureId,
  type IdentifiedFeature,
} from '../ledger/feature-list.js';
import { ownedListPath } from '../ledger/owned-list.js';
import { StateLockError, StateVersionError } from './errors.js';
import { openEventLog } from './events.js';
import { withFileLock } from './file-lock.js';
import * as change from './mutations.js';
import { ensureHarnessDir, statePath } from './paths.js';
import { rebuildState } from './rebuild.js';
import {
  lastGoodPath,
  type Parsed,
  readRecord,
  readRecovering,
  restoreRecord,
  writeRecord,
} from './records.js';
import { readProjectFile } from './safe-fs.js';
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
  const clock = options.now ?? (() => new Date());
  const now = () => clock().toISOString();
  // The time of this read, taken once: it names a file moved aside while recovering.
  const readOrRecover = () => {
    const at = clock();
    return readOrRebuild(projectDir, path, () => at);
  };

  const update = async <T>(fn: (state: HarnessState) => T | Promise<T>): Promise<T> => {
    await ensureHarnessDir(projectDir);
    return withFileLock(path, async (compromised) => {
      const state = readOrRecover();
      const result = await fn(state);
      // Catches a bad change before it reaches the disk.
      const checked = stateSchema.parse(state);
      const lost = compromised();
      if (lost) throw new StateLockError(`lost the lock on ${path} while updating it: ${lost.message}`);
      writeRecord(projectDir, path, serialize(checked));
      return result;
    });
  };

  return {
    projectDir,
    path,
    async load() {
      const read = readRecord(projectDir, path, parseState);
      if (read.kind === 'ok') return read.value;
      if (read.kind === 'missing' && readProjectFile(projectDir, lastGoodPath(path)) === undefined) {
        return freshState();
      }
      // Recover under the lock: a writer may have just replaced the file.
      await ensureHarnessDir(projectDir);
      return withFileLock(path, async () => readOrRecover());
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

/** What `<project>/.claude-harness/state.json` holds, without changing anything (for `status`). */
export async function readStateFile(path: string): Promise<StateRead> {
  const text = readProjectFile(dirname(dirname(path)), path);
  if (text === undefined) return { kind: 'missing' };
  try {
    const parsed = parseState(text);
    return parsed.ok ? { kind: 'ok', state: parsed.value } : { kind: 'corrupt', problem: parsed.problem };
  } catch (error) {
    if (error instanceof StateVersionError) return { kind: 'newer', version: error.version };
    throw error;
  }
}

/**
 * The state: as written, else from its last good copy, else rebuilt from the events journal (and the
 * feature ids the ledger issued). Only a state.json from a newer claude-harness stops the run.
 */
function readOrRebuild(projectDir: string, path: string, now: () => Date): HarnessState {
  const read = readRecovering(projectDir, path, parseState, { now, serialize });
  switch (read.kind) {
    case 'ok':
    case 'recovered':
      return read.value;
    case 'missing':
      return freshState();
    case 'lost': {
      const events = openEventLog(projectDir).read();
      const state = stateSchema.parse(rebuildState(events, issuedFeatureIds(projectDir)));
      const sessions = state.sessions.length;
      restoreRecord(projectDir, path, serialize(state), {
        problem: read.problem,
        from: `the events journal (events.jsonl: ${sessions} session${sessions === 1 ? '' : 's'}, their attempts and skips)`,
        now,
      });
      return state;
    }
  }
}

/** Parses state.json; throws StateVersionError for a newer version, which is never recovered over. */
export function parseState(text: string): Parsed<HarnessState> {
  if (text.trim() === '') return { ok: false, problem: 'the file is empty' };
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    const at = findJsonSyntaxProblem(text);
    const where = at ? ` at line ${at.line}, column ${at.column}: ${at.reason}` : '';
    return { ok: false, problem: `it is not valid JSON${where}` };
  }
  const version = (data as { version?: unknown } | null)?.version;
  if (typeof version === 'number' && version > STATE_VERSION) {
    throw new StateVersionError(
      `state.json has version ${String(version)}, written by a newer claude-harness; this one reads version ${STATE_VERSION}. Upgrade claude-harness to continue this project.`,
      version,
    );
  }
  const parsed = stateSchema.safeParse(data);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issue = parsed.error.issues[0];
  const where = issue === undefined || issue.path.length === 0 ? '' : `${formatPath(issue.path)}: `;
  return {
    ok: false,
    problem: `it does not have the expected shape (${where}${issue?.message ?? 'invalid'})`,
  };
}

function serialize(state: HarnessState): string {
  return `${JSON.stringify(state, null, 2)}\n`;
}

/** Feature ids in the harness ledger, so a rebuilt state never issues one of them again. */
function issuedFeatureIds(projectDir: string): string[] {
  const ids: string[] = [];
  for (const file of [ownedListPath(projectDir), lastGoodPath(ownedListPath(projectDir))]) {
    try {
      const data = JSON.parse(readProjectFile(projectDir, file) ?? '[]') as unknown;
      if (!Array.isArray(data)) continue;
      for (const entry of data) {
        const id = (entry as { id?: unknown } | null)?.id;
        if (typeof id === 'string') ids.push(id);
      }
    } catch {
      // An unreadable ledger adds no ids; the events journal still has every feature a session worked on.
    }
  }
  return ids;
}

function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((key, i) => (typeof key === 'number' ? `[${key}]` : `${i === 0 ? '' : '.'}${String(key)}`))
    .join('');
}
