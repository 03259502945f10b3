/**
 * `claude-harness status`: where a run stands, at a glance — features passing, failing and skipped (with
 * why), sessions run, time, tokens and cost so far, the last session's outcome and the session running now.
 * Read-only: it never writes to the project, and never moves a damaged state.json aside (the run does): a
 * state.json that cannot be read is shown from its last good copy, as the run would restore it. Every file is
 * read without following a link (safe-fs.ts openOwnProjectFile): a planted link is never read through.
 *
 * Fast on big projects: state.json and the harness feature list are read whole (they are small), but
 * events.jsonl can grow to hundreds of megabytes, so only its last `tailBytes` are read.
 */
import { stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import type { CommandIO } from '../cli/io.js';
import { isAlive } from '../engine/process-tree.js';
import { ExitCode, UsageError } from '../errors/index.js';
import type { Feature, IdentifiedFeature } from '../ledger/feature-list.js';
import { StateVersionError } from '../state/errors.js';
import type { EventRecord } from '../state/events.js';
import { eventsPath, HARNESS_DIR, harnessDir, runLockPath, statePath } from '../state/paths.js';
import { readStartTicks } from '../state/proc.js';
import { readOwnProjectFile } from '../state/safe-fs.js';
import type { AttemptRecord, HarnessState, SessionOutcome, SessionRecord } from '../state/schema.js';
import { usd, usdExact } from './cost.js';
import { createRedactor, redactDeep } from './redact.js';
import { cleanTerminalText, terminalSafeJson } from './terminal-text.js';

// Speed: this module imports nothing that loads zod. The usual files are checked by the small structural
// checks below; only a file that fails them goes through the full schemas (imported on demand) for their
// precise message. That keeps `status` well under its 300 ms on a 1,000-feature project.

/** The version of the `status --json` shape (docs/report.md). */
export const STATUS_JSON_VERSION = 1;
/** How much of the end of events.jsonl `status` reads. */
export const DEFAULT_TAIL_BYTES = 256 * 1024;
const RECENT_EVENTS = 10;
const FEATURE_LIST_FILE = 'feature_list.json';
const OWNED_LIST_FILE = 'features.json';

// ---------------------------------------------------------------------------------------------------------
// Loading a project (shared with the HTML report)

export type FeatureListSource = 'harness' | 'feature_list.json' | 'none';

export interface ProjectSnapshot {
  projectDir: string;
  state: HarnessState;
  features: IdentifiedFeature[];
  /** Which list the features came from: the harness copy (`.claude-harness/features.json`) first. */
  listSource: FeatureListSource;
  /** Why the harness copy or feature_list.json could not be used, when one could not. */
  listProblem: string | undefined;
  /** state.json could not be read and its last good copy is shown (what the next run restores). */
  stateProblem?: string | undefined;
}

/**
 * Reads state.json and the feature list of a project. Throws a UsageError (exit 2) naming what to run when
 * the folder or its state is missing or unreadable; never writes anything.
 */
export async function loadProject(projectDirInput: string): Promise<ProjectSnapshot> {
  const projectDir = resolve(projectDirInput);
  const isDir = await stat(projectDir).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!isDir) {
    throw new UsageError(
      `--project-dir ${projectDir} is not a folder: pass the folder of a claude-harness project (the --project-dir of its run)`,
    );
  }
  const [{ state, problem: stateProblem }, list] = await Promise.all([
    readState(projectDir),
    readFeatures(projectDir),
  ]);
  if (list.kind === 'ids-needed') {
    // feature_list.json without ids (the harness has not adopted it yet): the ids the run would give
    // (see StateStore.assignFeatureIds), without writing them.
    const { assignIds, formatFeatureId } = await import('../ledger/feature-list.js');
    const issued = [...Object.keys(state.features), formatFeatureId(state.lastFeatureNumber)];
    const features = assignIds(list.features, issued);
    return {
      projectDir,
      state,
      features,
      listSource: 'feature_list.json',
      listProblem: list.problem,
      stateProblem,
    };
  }
  return {
    projectDir,
    state,
    features: list.features,
    listSource: list.source,
    listProblem: list.problem,
    stateProblem,
  };
}

/** Status reads at most this much of a record (state.json of a long run is a few MB). */
const MAX_RECORD_BYTES = 256 * 1024 * 1024;

type TextRead = { kind: 'ok'; text: string } | { kind: 'missing' } | { kind: 'refused'; reason: string };

/** A file of the project, never through a link; nothing is changed (a link stays, refused). */
function readText(projectDir: string, path: string): TextRead {
  const read = readOwnProjectFile(projectDir, path, MAX_RECORD_BYTES);
  return read.kind === 'ok' ? { kind: 'ok', text: read.bytes.toString('utf8') } : read;
}

function textOrUndefined(projectDir: string, path: string): string | undefined {
  try {
    const read = readText(projectDir, path);
    return read.kind === 'ok' ? read.text : undefined;
  } catch {
    return undefined;
  }
}

/**
 * state.json as the next run would have it: as written; else its last good copy (which the run restores,
 * shown with a note); else an error saying that the run rebuilds it from the events journal.
 */
async function readState(projectDir: string): Promise<{ state: HarnessState; problem: string | undefined }> {
  const path = statePath(projectDir);
  const main = readText(projectDir, path);
  if (main.kind === 'ok') {
    const data = parseJson(main.text);
    if (looksLikeState(data)) return { state: data, problem: undefined };
  }
  // Anything unusual: the store's own parser decides, with its exact message.
  const { parseState } = await import('../state/store.js');
  const judge = (read: TextRead): { ok: true; state: HarnessState } | { ok: false; problem: string } => {
    if (read.kind === 'missing') return { ok: false, problem: 'it is missing' };
    if (read.kind === 'refused') return { ok: false, problem: read.reason };
    try {
      const parsed = parseState(read.text);
      return parsed.ok ? { ok: true, state: parsed.value } : { ok: false, problem: parsed.problem };
    } catch (error) {
      if (error instanceof StateVersionError) {
        throw new StateVersionError(
          `${path} has version ${String(error.version)}, written by a newer claude-harness: upgrade claude-harness to read it.`,
        );
      }
      throw error;
    }
  };
  const first = judge(main);
  if (first.ok) return { state: first.state, problem: undefined };
  const copyRead = readText(projectDir, `${path}.last-good`);
  if (main.kind === 'missing' && copyRead.kind === 'missing') {
    throw new UsageError(
      `no claude-harness run in ${projectDir} (there is no ${HARNESS_DIR}/state.json): start one with ` +
        `claude-harness --project-dir ${projectDir} --spec FILE`,
    );
  }
  const copy = judge(copyRead);
  if (copy.ok) {
    return {
      state: copy.state,
      problem: `${HARNESS_DIR}/state.json could not be read (${first.problem}); showing its last good copy, which the next run restores`,
    };
  }
  throw new UsageError(
    `${path} could not be read: ${first.problem}, and its last good copy could not be read either (${copy.problem}). ` +
      `status only reads; the next run of claude-harness --project-dir ${projectDir} keeps the unreadable file as ` +
      `state.json.corrupt-<time> and rebuilds the state from the events journal (sessions, attempts and skips; ` +
      `token and turn counts start from zero) (see docs/state.md).`,
  );
}

type FeatureRead =
  | { kind: 'ready'; features: IdentifiedFeature[]; source: FeatureListSource; problem: string | undefined }
  | {
      kind: 'ids-needed';
      features: Feature[];
      problem: string | undefined;
    };

async function readFeatures(projectDir: string): Promise<FeatureRead> {
  let problem: string | undefined;
  const ownedText = textOrUndefined(projectDir, join(harnessDir(projectDir), OWNED_LIST_FILE));
  if (ownedText !== undefined) {
    const data = parseJson(ownedText);
    if (looksLikeFeatureList(data, true))
      return { kind: 'ready', features: data, source: 'harness', problem };
    try {
      const { readOwnedList } = await import('../ledger/owned-list.js');
      const owned = await readOwnedList(projectDir);
      if (owned !== undefined) return { kind: 'ready', features: owned, source: 'harness', problem };
    } catch (error) {
      problem = `${HARNESS_DIR}/${OWNED_LIST_FILE} could not be read (${firstLine(String(error))}); showing ${FEATURE_LIST_FILE}`;
    }
  }
  const text = textOrUndefined(projectDir, join(projectDir, FEATURE_LIST_FILE));
  if (text === undefined) return { kind: 'ready', features: [], source: 'none', problem };
  const data = parseJson(text);
  if (looksLikeFeatureList(data, true))
    return { kind: 'ready', features: data, source: FEATURE_LIST_FILE, problem };
  const { validateFeatureList } = await import('../ledger/feature-list.js');
  const parsed = validateFeatureList(text);
  if (!parsed.ok) return { kind: 'ready', features: [], source: 'none', problem: problem ?? parsed.error };
  return { kind: 'ids-needed', features: parsed.features, problem };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text.replace(/^\ufeff/, ''));
  } catch {
    return undefined;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;
const isText = (v: unknown): v is string => typeof v === 'string';
const isOptional = (v: unknown, check: (v: unknown) => boolean) => v === undefined || check(v);

/** The fields status and the report read, with their types (the full schema is src/state/schema.ts). */
function looksLikeState(data: unknown): data is HarnessState {
  if (!isObject(data) || data.version !== 1) return false;
  const { run, sessions, features, totals } = data;
  if (
    run !== null &&
    !(isObject(run) && isText(run.startedAt) && isText(run.lastStartedAt) && isText(run.mode))
  )
    return false;
  if (!isCount(data.consecutiveFailedSessions) || !isCount(data.lastFeatureNumber)) return false;
  if (!isObject(totals) || !isCount(totals.sessions) || typeof totals.costUsd !== 'number') return false;
  if (!isCount(totals.inputTokens) || !isCount(totals.outputTokens)) return false;
  if (!Array.isArray(sessions) || !isObject(features)) return false;
  for (const s of sessions as unknown[]) {
    if (!isObject(s) || !isCount(s.number) || !isCount(s.attempt) || !isCount(s.turns)) return false;
    if (!isText(s.kind) || !isText(s.outcome) || !isText(s.startedAt) || typeof s.costUsd !== 'number')
      return false;
    if (!isOptional(s.endedAt, isText) || !isOptional(s.featureId, isText) || !isOptional(s.reason, isText))
      return false;
    if (!isObject(s.tokens) || !isCount(s.tokens.input) || !isCount(s.tokens.output)) return false;
  }
  for (const record of Object.values(features)) {
    if (!isObject(record) || !Array.isArray(record.attempts)) return false;
    for (const a of record.attempts as unknown[]) {
      if (!isObject(a) || !isCount(a.session) || !isText(a.outcome) || !isText(a.at)) return false;
      if (!isOptional(a.reason, isText)) return false;
    }
    const skipped = record.skipped;
    if (skipped !== undefined && !(isObject(skipped) && isText(skipped.reason) && isText(skipped.at)))
      return false;
  }
  return true;
}

function looksLikeFeatureList(data: unknown, needIds: boolean): data is IdentifiedFeature[] {
  if (!Array.isArray(data) || data.length === 0) return false;
  const ids = new Set<string>();
  for (const f of data as unknown[]) {
    if (!isObject(f) || typeof f.passes !== 'boolean' || !Array.isArray(f.steps) || f.steps.length === 0)
      return false;
    if (
      !isText(f.description) ||
      f.description.trim() === '' ||
      !isText(f.category) ||
      f.category.trim() === ''
    )
      return false;
    if (needIds && (!isText(f.id) || f.id.trim() === '' || ids.has(f.id))) return false;
    if (isText(f.id)) ids.add(f.id);
  }
  return true;
}

// ---------------------------------------------------------------------------------------------------------
// Reading the end of events.jsonl

export interface EventsTail {
  /** Complete records from the tail, oldest first (a torn or cut first line is dropped). */
  events: EventRecord[];
  /** Size of events.jsonl in bytes; 0 when it does not exist. */
  sizeBytes: number;
  /** True when only the end of the file was read. */
  partial: boolean;
}

/** The last complete lines of events.jsonl, reading at most `maxBytes` from its end. */
export async function readEventsTail(projectDir: string, maxBytes = DEFAULT_TAIL_BYTES): Promise<EventsTail> {
  // Never through a link (an events.jsonl linked to an outside file shows no events).
  let read: ReturnType<typeof readOwnProjectFile>;
  try {
    read = readOwnProjectFile(projectDir, eventsPath(projectDir), maxBytes, { fromEnd: true });
  } catch (error) {
    // No project folder: loadProject says so.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      return { events: [], sizeBytes: 0, partial: false };
    throw error;
  }
  if (read.kind !== 'ok') return { events: [], sizeBytes: 0, partial: false };
  const size = read.size;
  let text = read.bytes.toString('utf8');
  const partial = read.bytes.length < size;
  // The first line is cut unless the tail starts at the beginning of the file.
  if (partial) text = text.slice(text.indexOf('\n') + 1);
  const events: EventRecord[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const value = JSON.parse(line) as EventRecord;
      if (typeof value === 'object' && value !== null && typeof value.type === 'string') events.push(value);
    } catch {
      // A line torn by a crash.
    }
  }
  return { events, sizeBytes: size, partial };
}

// ---------------------------------------------------------------------------------------------------------
// The status

export interface SessionSummary {
  number: number;
  kind: 'initializer' | 'coding';
  featureId?: string;
  description?: string;
  attempt: number;
  outcome: SessionOutcome;
  reason?: string;
  startedAt: string;
  endedAt?: string;
  /** To the end, or to now for a running session. */
  durationMs: number;
  costUsd: number;
  tokens: { input: number; output: number };
  turns: number;
}

export interface CurrentSession extends SessionSummary {
  /** Tool calls seen in the read part of events.jsonl for this session. */
  toolCalls: number;
  /** False when the session started before the read part of events.jsonl: `toolCalls` is a lower bound. */
  toolCallsComplete: boolean;
  denials: number;
  lastTool?: string;
  lastActivityAt?: string;
  /** The session is recorded `running` but no harness is running: the next run marks it interrupted. */
  stale: boolean;
}

export interface SkippedFeatureStatus {
  id: string;
  description: string;
  reason: string;
  at: string;
  attempts: number;
}

export interface FailingFeatureStatus {
  id: string;
  description: string;
  attempts: number;
  lastOutcome: AttemptRecord['outcome'];
  lastReason?: string;
}

export interface RecentEvent {
  at: string;
  type: string;
  session?: number;
  /** One line saying what happened. */
  text: string;
}

export interface RunStatus {
  statusVersion: typeof STATUS_JSON_VERSION;
  projectDir: string;
  generatedAt: string;
  run: {
    mode: string;
    model: string;
    startedAt: string;
    lastStartedAt: string;
    starts: number;
    specPath: string | null;
  } | null;
  /** Whether a harness holds the project's run lock now (`unknown`: it was taken on another machine). */
  harness: { state: 'running' | 'stopped' | 'unknown'; pid?: number; hostname?: string; since?: string };
  features: {
    total: number;
    passing: number;
    /** Tried at least once, not passing, not skipped. */
    failing: number;
    /** Never tried yet. */
    pending: number;
    skipped: number;
    listSource: FeatureListSource;
    listProblem?: string;
    /** state.json could not be read: the figures are from its last good copy. */
    stateProblem?: string;
    skippedFeatures: SkippedFeatureStatus[];
    failingFeatures: FailingFeatureStatus[];
  };
  sessions: {
    total: number;
    byOutcome: Partial<Record<SessionOutcome, number>>;
    consecutiveFailed: number;
    /** The latest session that ended. */
    last: SessionSummary | null;
    /** The session recorded as running, if any. */
    current: CurrentSession | null;
  };
  time: {
    startedAt: string | null;
    /** From the first start to now while running, else to the last activity. */
    elapsedMs: number;
    /** Time spent inside sessions (the running one to now). */
    sessionTimeMs: number;
  };
  usage: { costUsd: number; inputTokens: number; outputTokens: number };
  events: {
    lastAt: string | null;
    /** The most recent events, oldest first. */
    recent: RecentEvent[];
    sizeBytes: number;
    /** The exit code of the last finished run, when its `run_end` is in the read part of the log. */
    lastRunExitCode: number | null;
  };
}

export interface CollectStatusOptions {
  now?: () => Date;
  tailBytes?: number;
}

export async function collectStatus(
  projectDir: string,
  options: CollectStatusOptions = {},
): Promise<RunStatus> {
  const now = (options.now ?? (() => new Date()))();
  const [snapshot, tail] = await Promise.all([
    loadProject(projectDir),
    readEventsTail(resolve(projectDir), options.tailBytes),
  ]);
  const harness = await harnessState(snapshot.projectDir);
  return buildStatus(snapshot, tail, harness, now);
}

async function harnessState(projectDir: string): Promise<RunStatus['harness']> {
  const lock = parseJson(textOrUndefined(projectDir, runLockPath(projectDir)) ?? '');
  if (!isObject(lock) || !isCount(lock.pid) || !isText(lock.hostname) || !isText(lock.startedAt)) {
    return { state: 'stopped' };
  }
  const who = { pid: lock.pid, hostname: lock.hostname, since: lock.startedAt };
  if (lock.hostname !== hostname()) return { state: 'unknown', ...who };
  const alive = isAlive(lock.pid) && (!isText(lock.pidStart) || readStartTicks(lock.pid) === lock.pidStart);
  return alive ? { state: 'running', ...who } : { state: 'stopped' };
}

/** Pure: the status from what was read. */
export function buildStatus(
  snapshot: ProjectSnapshot,
  tail: EventsTail,
  harness: RunStatus['harness'],
  now: Date,
): RunStatus {
  const { state, features } = snapshot;
  const nowMs = now.getTime();
  const descriptions = new Map(features.map((f) => [f.id, f.description]));

  let passing = 0;
  let pending = 0;
  const skippedFeatures: SkippedFeatureStatus[] = [];
  const failingFeatures: FailingFeatureStatus[] = [];
  for (const feature of features) {
    if (feature.passes) {
      passing++;
      continue;
    }
    const record = state.features[feature.id];
    if (record?.skipped) {
      skippedFeatures.push({
        id: feature.id,
        description: feature.description,
        reason: record.skipped.reason,
        at: record.skipped.at,
        attempts: record.attempts.length,
      });
      continue;
    }
    const last = record?.attempts.at(-1);
    if (record === undefined || last === undefined) {
      pending++;
      continue;
    }
    const failing: FailingFeatureStatus = {
      id: feature.id,
      description: feature.description,
      attempts: record.attempts.length,
      lastOutcome: last.outcome,
    };
    if (last.reason !== undefined) failing.lastReason = last.reason;
    failingFeatures.push(failing);
  }

  const byOutcome: Partial<Record<SessionOutcome, number>> = {};
  let lastEnded: SessionRecord | undefined;
  let running: SessionRecord | undefined;
  let lastActivityMs = Number.NEGATIVE_INFINITY;
  for (const session of state.sessions) {
    byOutcome[session.outcome] = (byOutcome[session.outcome] ?? 0) + 1;
    if (session.outcome === 'running') running = session;
    else lastEnded = session;
    lastActivityMs = Math.max(lastActivityMs, Date.parse(session.endedAt ?? session.startedAt));
  }
  const lastEvent = tail.events.at(-1);
  if (lastEvent !== undefined) lastActivityMs = Math.max(lastActivityMs, Date.parse(lastEvent.at));
  // A live run counts up to now; a stopped one (a session left `running` by a crash) to its last activity.
  const endMs = harness.state === 'running' ? nowMs : lastActivityMs;
  const untilMs = Number.isFinite(endMs) ? endMs : nowMs;
  let sessionTimeMs = 0;
  for (const session of state.sessions) sessionTimeMs += durationOf(session, untilMs);
  const startedAt = state.run?.startedAt ?? state.sessions[0]?.startedAt ?? null;
  const elapsedMs =
    startedAt === null || !Number.isFinite(endMs) ? 0 : Math.max(0, endMs - Date.parse(startedAt));

  const summary = (session: SessionRecord): SessionSummary => {
    const s: SessionSummary = {
      number: session.number,
      kind: session.kind,
      attempt: session.attempt,
      outcome: session.outcome,
      startedAt: session.startedAt,
      durationMs: durationOf(session, untilMs),
      costUsd: session.costUsd,
      tokens: { ...session.tokens },
      turns: session.turns,
    };
    if (session.featureId !== undefined) {
      s.featureId = session.featureId;
      const description = descriptions.get(session.featureId);
      if (description !== undefined) s.description = description;
    }
    if (session.reason !== undefined) s.reason = session.reason;
    if (session.endedAt !== undefined) s.endedAt = session.endedAt;
    return s;
  };

  let current: CurrentSession | null = null;
  if (running !== undefined) {
    const activity = sessionActivity(tail.events, running.number);
    current = {
      ...summary(running),
      ...activity,
      toolCallsComplete: activity.toolCallsComplete || !tail.partial,
      stale: harness.state === 'stopped',
    };
  }

  const lastRunExitCode = lastExitCode(tail.events);
  return {
    statusVersion: STATUS_JSON_VERSION,
    projectDir: snapshot.projectDir,
    generatedAt: now.toISOString(),
    run: state.run === null ? null : { ...state.run },
    harness,
    features: {
      total: features.length,
      passing,
      failing: failingFeatures.length,
      pending,
      skipped: skippedFeatures.length,
      listSource: snapshot.listSource,
      ...(snapshot.listProblem === undefined ? {} : { listProblem: snapshot.listProblem }),
      ...(snapshot.stateProblem === undefined ? {} : { stateProblem: snapshot.stateProblem }),
      skippedFeatures,
      failingFeatures,
    },
    sessions: {
      total: state.sessions.length,
      byOutcome,
      consecutiveFailed: state.consecutiveFailedSessions,
      last: lastEnded === undefined ? null : summary(lastEnded),
      current,
    },
    time: { startedAt, elapsedMs, sessionTimeMs },
    usage: {
      costUsd: state.totals.costUsd,
      inputTokens: state.totals.inputTokens,
      outputTokens: state.totals.outputTokens,
    },
    events: {
      lastAt: lastEvent?.at ?? null,
      recent: tail.events.slice(-RECENT_EVENTS).map(recentEvent),
      sizeBytes: tail.sizeBytes,
      lastRunExitCode,
    },
  };
}

/** To the end, or to `untilMs` for a session still running. */
function durationOf(session: SessionRecord, untilMs: number): number {
  const start = Date.parse(session.startedAt);
  const end = session.endedAt === undefined ? untilMs : Date.parse(session.endedAt);
  return Number.isFinite(start) && Number.isFinite(end) ? Math.max(0, end - start) : 0;
}

function sessionActivity(
  events: readonly EventRecord[],
  session: number,
): Pick<CurrentSession, 'toolCalls' | 'toolCallsComplete' | 'denials' | 'lastTool' | 'lastActivityAt'> {
  let toolCalls = 0;
  let denials = 0;
  let lastTool: string | undefined;
  let lastActivityAt: string | undefined;
  let complete = false;
  for (let i = events.length - 1; i >= 0; i--) {
    const event = events[i];
    if (event === undefined || event.session !== session) continue;
    lastActivityAt ??= event.at;
    if (event.type === 'session_start') {
      complete = true;
      break;
    }
    if (event.type === 'tool_call') {
      toolCalls++;
      lastTool ??= describeTool(event);
    } else if (event.type === 'policy_denial') denials++;
  }
  const activity: ReturnType<typeof sessionActivity> = { toolCalls, toolCallsComplete: complete, denials };
  if (lastTool !== undefined) activity.lastTool = lastTool;
  if (lastActivityAt !== undefined) activity.lastActivityAt = lastActivityAt;
  return activity;
}

function lastExitCode(events: readonly EventRecord[]): number | null {
  for (let i = events.length - 1; i >= 0; i--) {
    const event = events[i];
    if (event?.type === 'run_start') return null;
    if (event?.type === 'run_end' && typeof event.exitCode === 'number') return event.exitCode;
  }
  return null;
}

function recentEvent(event: EventRecord): RecentEvent {
  const recent: RecentEvent = { at: event.at, type: event.type, text: describeEvent(event) };
  if (typeof event.session === 'number') recent.session = event.session;
  return recent;
}

/** One line for a harness event, for people. */
export function describeEvent(event: EventRecord): string {
  const f = event as Record<string, unknown>;
  const str = (key: string) => (typeof f[key] === 'string' ? (f[key] as string) : '');
  switch (event.type) {
    case 'run_start':
      return `run started · mode ${str('mode')} · model ${str('model')}`;
    case 'run_end':
      return `run ended with exit code ${String(f.exitCode)}`;
    case 'session_start':
      return `session ${String(f.session)} started (${str('kind')}${str('featureId') ? ` ${str('featureId')}` : ''})`;
    case 'session_end': {
      const cost = typeof f.costUsd === 'number' ? ` · ${usd(f.costUsd)}` : '';
      const why = str('reason') ? `: ${truncate(firstLine(str('reason')), 80)}` : '';
      return `session ${String(f.session)} ${str('outcome')}${cost}${why}`;
    }
    case 'tool_call':
      return `→ ${describeTool(event)}`;
    case 'tool_result':
      return f.isError === true ? 'tool error' : 'tool result';
    case 'policy_denial':
      return `⛔ ${str('guard')}/${str('rule')}: ${truncate(firstLine(str('reason')), 80)}`;
    case 'checkpoint':
      return `checkpoint ${str('commit').slice(0, 7)}`;
    case 'checkpoint_blocked':
      return 'checkpoint blocked: secrets in the changes';
    case 'feature_list_accepted':
      return `feature list accepted: ${String(f.count)} features`;
    case 'feature_list_rejected':
      return `feature list rejected: ${truncate(firstLine(str('error')), 80)}`;
    case 'feature_passed':
      return `✓ ${str('featureId')} passes`;
    case 'feature_skipped':
      return `■ ${str('featureId')} skipped: ${truncate(firstLine(str('reason')), 80)}`;
    case 'features_reset':
      return `reset ${Array.isArray(f.ids) ? f.ids.join(', ') : ''}`;
    case 'regression':
      return `✗ regression: ${str('featureId')} no longer passes`;
    case 'tamper':
      return `⛔ feature list changes undone${Array.isArray(f.changes) ? `: ${truncate(f.changes.join('; '), 80)}` : ''}`;
    case 'api_retry':
      return `API retry ${String(f.attempt)} (${f.status ?? 'connection'}): ${truncate(str('error'), 60)}`;
    case 'usage_limit_wait':
      return `usage limit: waiting until ${str('until')}`;
    case 'budget_stop':
      return `■ stopped by --${str('limit')}${str('reason') ? `: ${truncate(str('reason'), 80)}` : ''}`;
    default:
      return event.type;
  }
}

function describeTool(event: EventRecord): string {
  const tool = typeof event.tool === 'string' ? event.tool : 'tool';
  const input = (typeof event.input === 'object' && event.input !== null ? event.input : {}) as Record<
    string,
    unknown
  >;
  const detail = [input.command, input.file_path, input.notebook_path, input.path, input.pattern].find(
    (v): v is string => typeof v === 'string',
  );
  return detail === undefined ? tool : `${tool} ${truncate(firstLine(detail), 60)}`;
}

// ---------------------------------------------------------------------------------------------------------
// The command

export interface StatusCommandOptions {
  projectDir: string;
  json?: boolean;
}

export async function runStatusCommand(opts: StatusCommandOptions, io: CommandIO): Promise<number> {
  // Reasons and tool inputs can quote secrets the agent saw; the same redaction as the logs. For people,
  // each string is also cleaned of terminal control sequences before the lines are cut to width; JSON keeps
  // the text, escaped so that a `cat` of it cannot drive the terminal either.
  const redact = createRedactor({ env: io.env });
  const collected = await collectStatus(resolve(io.cwd, opts.projectDir));
  io.out.write(
    opts.json
      ? `${terminalSafeJson(redactDeep(collected, redact), 2)}\n`
      : formatStatus(redactDeep(collected, (text) => cleanTerminalText(redact(text)))),
  );
  return ExitCode.ok;
}

const LISTED = 10;

/**
 * The human view of a status; plain text that reads the same in a terminal, a pipe or a log. Control
 * characters from the project (an escape sequence in a description) are replaced, so the text cannot
 * drive the terminal.
 */
export function formatStatus(status: RunStatus): string {
  return cleanTerminalText(formatStatusLines(status));
}

function formatStatusLines(status: RunStatus): string {
  const lines: string[] = [];
  const { features: f, sessions: s, usage: u, run } = status;
  lines.push(`claude-harness status · ${status.projectDir}`);
  const harness =
    status.harness.state === 'running'
      ? `running (pid ${status.harness.pid})`
      : status.harness.state === 'unknown'
        ? `locked by pid ${status.harness.pid} on ${status.harness.hostname} (cannot check from here)`
        : 'not running';
  if (run) {
    lines.push(
      `Run:       ${harness} · mode ${run.mode} · model ${run.model} · started ${run.startedAt}` +
        ` · ${run.starts} start${run.starts === 1 ? '' : 's'}`,
    );
  } else lines.push(`Run:       ${harness} · never started`);
  if (f.stateProblem) lines.push(`           note: ${f.stateProblem}`);
  if (f.total === 0) {
    lines.push(`Features:  no feature list yet${f.listProblem ? ` (${f.listProblem})` : ''}`);
  } else {
    const parts = [`${f.passing}/${f.total} passing`];
    if (f.failing > 0) parts.push(`${f.failing} failing`);
    if (f.skipped > 0) parts.push(`${f.skipped} skipped`);
    if (f.pending > 0) parts.push(`${f.pending} not tried yet`);
    lines.push(`Features:  ${parts.join(' · ')}`);
    lines.push(`           ${progressBar(f.passing, f.skipped, f.total, 40)}`);
    if (f.listProblem) lines.push(`           note: ${f.listProblem}`);
  }
  const c = s.current;
  if (c) {
    const what = c.kind === 'coding' ? `coding ${c.featureId ?? '?'} (attempt ${c.attempt})` : 'initializer';
    const calls = `${c.toolCalls}${c.toolCallsComplete ? '' : '+'} tool call${c.toolCalls === 1 ? '' : 's'}`;
    lines.push(
      `Now:       session ${c.number} ${what} · ${formatDuration(c.durationMs)} · ${calls}` +
        `${c.denials > 0 ? ` · ${c.denials} denied` : ''}${c.stale ? ' · harness gone: the next run marks it interrupted' : ''}`,
    );
    if (c.description) lines.push(`           ${truncate(firstLine(c.description), 100)}`);
    if (c.lastTool) lines.push(`           last: ${c.lastTool}`);
  }
  const l = s.last;
  if (l) {
    const what = l.kind === 'coding' ? `coding ${l.featureId ?? '?'}` : 'initializer';
    lines.push(
      `Last:      session ${l.number} ${what} ${l.outcome} · ${formatDuration(l.durationMs)} · ${usdExact(l.costUsd)}` +
        `${l.reason ? ` · ${truncate(firstLine(l.reason), 80)}` : ''}`,
    );
  }
  const outcomes = Object.entries(s.byOutcome)
    .map(([outcome, n]) => `${n} ${outcome}`)
    .join(', ');
  lines.push(
    `Sessions:  ${s.total}${outcomes ? ` (${outcomes})` : ''}` +
      `${s.consecutiveFailed > 0 ? ` · ${s.consecutiveFailed} failed in a row` : ''}`,
  );
  lines.push(
    `Time:      ${formatDuration(status.time.elapsedMs)} since the first start · ${formatDuration(status.time.sessionTimeMs)} in sessions`,
  );
  lines.push(
    `Usage:     ${u.inputTokens.toLocaleString('en-US')} in / ${u.outputTokens.toLocaleString('en-US')} out tokens · ${usdExact(u.costUsd)}`,
  );
  if (status.events.lastRunExitCode !== null && status.harness.state !== 'running') {
    lines.push(`Last run:  ended with exit code ${status.events.lastRunExitCode}`);
  }
  if (f.skippedFeatures.length > 0) {
    lines.push('', `Skipped (${f.skippedFeatures.length}):`);
    for (const sk of f.skippedFeatures.slice(0, LISTED)) {
      lines.push(
        `  ${sk.id}  ${truncate(sk.description, 70)}`,
        `        ${truncate(firstLine(sk.reason), 100)}`,
      );
    }
    if (f.skippedFeatures.length > LISTED) lines.push(`  … ${f.skippedFeatures.length - LISTED} more`);
    lines.push(
      `  Retry with: claude-harness skipped --project-dir ${status.projectDir} --reset ID… (or --all)`,
    );
  }
  if (f.failingFeatures.length > 0) {
    lines.push('', `Failing (${f.failingFeatures.length}):`);
    for (const fa of f.failingFeatures.slice(0, LISTED)) {
      const why = fa.lastReason ? `: ${truncate(firstLine(fa.lastReason), 60)}` : '';
      lines.push(
        `  ${fa.id}  ${truncate(firstLine(fa.description), 50)} · ${fa.attempts} attempt${fa.attempts === 1 ? '' : 's'}, last ${fa.lastOutcome}${why}`,
      );
    }
    if (f.failingFeatures.length > LISTED) lines.push(`  … ${f.failingFeatures.length - LISTED} more`);
  }
  if (status.events.recent.length > 0) {
    lines.push('', 'Recent events:');
    for (const e of status.events.recent.slice(-5)) lines.push(`  ${e.at}  ${truncate(e.text, 100)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** `[██████░░░░]` with skipped features shown as `▒`, then the percentage passing. */
export function progressBar(passing: number, skipped: number, total: number, width: number): string {
  if (total <= 0) return '';
  const full = Math.round((passing / total) * width);
  const skip = Math.min(width - full, Math.round((skipped / total) * width));
  const bar = '█'.repeat(full) + '▒'.repeat(skip) + '░'.repeat(Math.max(0, width - full - skip));
  return `[${bar}] ${Math.floor((passing / total) * 100)}%`;
}

/** `42 s`, `4 min 10 s`, `3 h 12 min`, `2 d 5 h`. */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${seconds % 60} s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

export function firstLine(text: string): string {
  const trimmed = text.trim();
  const index = trimmed.indexOf('\n');
  return index === -1 ? trimmed : `${trimmed.slice(0, index)} …`;
}

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
