/**
 * The changes a run makes to its state, as plain functions on a `HarnessState` draft. The store applies
 * them under its lock; tests call them directly.
 *
 * Each feature attempt is recorded exactly once, keyed by session number: when the session ends, or, for a
 * session a dead harness left `running`, when the next run marks it `interrupted`. Both happen in one atomic
 * write together with the session's own outcome, so a kill -9 at any moment leaves either both or neither.
 */
import type { Mode } from '../config/types.js';
import {
  type AttemptRecord,
  COUNTED_OUTCOMES,
  type EndedOutcome,
  type FeatureRecord,
  type HarnessState,
  type SessionRecord,
} from './schema.js';

export interface RunStart {
  mode: Mode;
  model: string;
  specPath?: string | undefined;
}

export interface SessionStart {
  kind: SessionRecord['kind'];
  featureId?: string | undefined;
  cliPid?: number | undefined;
  /** The harness process; `process.pid` by default. */
  harnessPid?: number | undefined;
}

export interface SessionEnd {
  reason?: string | undefined;
  /** Sets the feature when it was not known at the start (the agent picked it). */
  featureId?: string | undefined;
  sdkSessionId?: string | undefined;
  costUsd?: number | undefined;
  tokens?: { input: number; output: number } | undefined;
  turns?: number | undefined;
}

export interface SessionPatch {
  featureId?: string | undefined;
  cliPid?: number | undefined;
  sdkSessionId?: string | undefined;
}

export const INTERRUPTED_REASON = 'the harness stopped while this session ran (crash, kill or power loss)';

/** Records the start (or a resume) of a run. */
export function startRun(state: HarnessState, info: RunStart, now: string): void {
  const specPath = info.specPath ?? null;
  if (state.run === null) {
    state.run = {
      startedAt: now,
      lastStartedAt: now,
      starts: 1,
      mode: info.mode,
      model: info.model,
      specPath,
    };
    return;
  }
  state.run = {
    ...state.run,
    lastStartedAt: now,
    starts: state.run.starts + 1,
    mode: info.mode,
    model: info.model,
  };
  state.run.specPath = specPath;
}

/** Adds a `running` session and returns its number. */
export function beginSession(state: HarnessState, start: SessionStart, now: string): number {
  const number = (state.sessions.at(-1)?.number ?? 0) + 1;
  const session: SessionRecord = {
    number,
    kind: start.kind,
    attempt: 1,
    startedAt: now,
    outcome: 'running',
    costUsd: 0,
    tokens: { input: 0, output: 0 },
    turns: 0,
    harnessPid: start.harnessPid ?? process.pid,
  };
  if (start.featureId !== undefined) session.featureId = start.featureId;
  if (start.cliPid !== undefined) session.cliPid = start.cliPid;
  session.attempt = attemptNumber(state, session);
  state.sessions.push(session);
  state.totals.sessions += 1;
  return number;
}

/** Fills in what becomes known while a session runs. */
export function patchSession(state: HarnessState, n: number, patch: SessionPatch): void {
  const session = findSession(state, n);
  if (patch.cliPid !== undefined) session.cliPid = patch.cliPid;
  if (patch.sdkSessionId !== undefined) session.sdkSessionId = patch.sdkSessionId;
  if (patch.featureId !== undefined && patch.featureId !== session.featureId) {
    session.featureId = patch.featureId;
    session.attempt = attemptNumber(state, session);
  }
}

/**
 * Ends a running session and records its feature attempt. Returns false, changing nothing, when the
 * session had already ended (so a repeated call never counts twice).
 */
export function endSession(
  state: HarnessState,
  n: number,
  outcome: EndedOutcome,
  end: SessionEnd,
  now: string,
): boolean {
  const session = findSession(state, n);
  if (session.outcome !== 'running') return false;
  if (end.featureId !== undefined) patchSession(state, n, { featureId: end.featureId });
  session.outcome = outcome;
  session.endedAt = now;
  if (end.reason !== undefined) session.reason = end.reason;
  if (end.sdkSessionId !== undefined) session.sdkSessionId = end.sdkSessionId;
  session.costUsd = end.costUsd ?? 0;
  session.tokens = { input: end.tokens?.input ?? 0, output: end.tokens?.output ?? 0 };
  session.turns = end.turns ?? 0;

  state.totals.costUsd += session.costUsd;
  state.totals.inputTokens += session.tokens.input;
  state.totals.outputTokens += session.tokens.output;
  if (outcome === 'passed') state.consecutiveFailedSessions = 0;
  else if (outcome !== 'interrupted') state.consecutiveFailedSessions += 1;

  if (session.featureId !== undefined) {
    const attempt: AttemptRecord = { session: n, outcome, at: now };
    if (end.reason !== undefined) attempt.reason = end.reason;
    recordAttempt(state, session.featureId, attempt);
  }
  return true;
}

/** Adds an attempt unless one for the same session is already there; returns whether it was added. */
export function recordAttempt(state: HarnessState, featureId: string, attempt: AttemptRecord): boolean {
  const record = featureRecord(state, featureId);
  if (record.attempts.some((a) => a.session === attempt.session)) return false;
  record.attempts.push(attempt);
  return true;
}

/**
 * Ends every session still `running` as `interrupted` and records its attempt. Call it only while holding
 * the run lock: then no live harness owns those sessions. Running it twice changes nothing the second time.
 */
export function markRunningSessionsInterrupted(
  state: HarnessState,
  now: string,
  reason = INTERRUPTED_REASON,
): number[] {
  const running = state.sessions.filter((s) => s.outcome === 'running').map((s) => s.number);
  for (const n of running) endSession(state, n, 'interrupted', { reason }, now);
  return running;
}

export function skipFeature(state: HarnessState, featureId: string, reason: string, now: string): void {
  featureRecord(state, featureId).skipped = { reason, at: now };
}

/**
 * Clears the skip and the attempts of the given features (or of every skipped one) so they are retried.
 * Returns the ids that were reset; ids the state does not know are ignored.
 */
export function resetFeatures(state: HarnessState, ids: readonly string[] | 'all'): string[] {
  const targets =
    ids === 'all' ? skippedFeatureIds(state) : ids.filter((id) => Object.hasOwn(state.features, id));
  for (const id of targets) state.features[id] = { attempts: [] };
  return targets;
}

export function skippedFeatureIds(state: HarnessState): string[] {
  return Object.entries(state.features)
    .filter(([, record]) => record.skipped !== undefined)
    .map(([id]) => id);
}

/** Attempts that count against --max-retries (see COUNTED_OUTCOMES). */
export function countedAttempts(state: HarnessState, featureId: string): number {
  const attempts = state.features[featureId]?.attempts ?? [];
  return attempts.filter((a) => COUNTED_OUTCOMES.includes(a.outcome)).length;
}

function attemptNumber(state: HarnessState, session: SessionRecord): number {
  if (session.featureId !== undefined) return (state.features[session.featureId]?.attempts.length ?? 0) + 1;
  const earlier = state.sessions.filter((s) => s.kind === session.kind && s.featureId === undefined);
  return earlier.length + 1;
}

function featureRecord(state: HarnessState, featureId: string): FeatureRecord {
  let record = state.features[featureId];
  if (record === undefined) {
    record = { attempts: [] };
    state.features[featureId] = record;
  }
  return record;
}

function findSession(state: HarnessState, n: number): SessionRecord {
  const session = state.sessions.find((s) => s.number === n);
  if (session === undefined) throw new Error(`state.json has no session ${n}`);
  return session;
}
