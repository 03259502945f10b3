/**
 * The contract of the harness event records: each line of `.claude-harness/events.jsonl` (and of the JSON
 * lines `run --json` streams) is one of these, `{ v: 1, at, type, …fields }`. Documented in docs/events.md.
 *
 * Compatibility within version 1: new event types and new fields may be added; a field is never removed,
 * renamed or given another meaning. Consumers ignore types and fields they do not know. A breaking change
 * raises `v`. The objects are loose: fields added later pass through `parseEvent` untouched.
 */
import { z } from 'zod';
import { SESSION_OUTCOMES } from '../state/schema.js';

/** The `v` of every record this version of claude-harness writes. Matches `EVENT_LOG_VERSION`. */
export const EVENT_SCHEMA_VERSION = 1;

export const EVENT_TYPES = [
  'run_start',
  'run_end',
  'session_start',
  'session_sdk_start',
  'session_end',
  'tool_call',
  'tool_result',
  'api_retry',
  'policy_denial',
  'checkpoint',
  'checkpoint_blocked',
  'processes_stopped',
  'feature_list_accepted',
  'feature_list_rejected',
  'feature_passed',
  'feature_gave_up',
  'verification_rejected',
  'feature_skipped',
  'features_reset',
  'regression',
  'tamper',
  'usage_limit_wait',
  'budget_stop',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** The limits that can stop a run or a session (see `budget_stop`). */
export const LIMITS = ['max-budget-usd', 'max-session-budget-usd', 'max-duration'] as const;
export type Limit = (typeof LIMITS)[number];

const count = z.int().nonnegative();
const sessionNumber = z.int().positive();
const endedOutcome = z.enum(SESSION_OUTCOMES).exclude(['running']);

function event<T extends EventType, S extends z.ZodRawShape>(type: T, shape: S) {
  return z.looseObject({
    v: z.literal(EVENT_SCHEMA_VERSION),
    /** ISO 8601 time the harness wrote the record. */
    at: z.string().min(1),
    type: z.literal(type),
    ...shape,
  });
}

export const runStartEvent = event('run_start', {
  mode: z.string(),
  model: z.string(),
  /** Sessions a previous harness left `running`, now recorded as `interrupted`. */
  resumed: z.array(sessionNumber),
});
export const runEndEvent = event('run_end', { exitCode: z.int() });
export const sessionStartEvent = event('session_start', {
  session: sessionNumber,
  kind: z.enum(['initializer', 'coding']),
  featureId: z.string().optional(),
});
export const sessionSdkStartEvent = event('session_sdk_start', {
  session: sessionNumber,
  sdkSessionId: z.string(),
  model: z.string(),
});
export const sessionEndEvent = event('session_end', {
  session: sessionNumber,
  kind: z.enum(['initializer', 'coding']),
  featureId: z.string().optional(),
  outcome: endedOutcome,
  reason: z.string().optional(),
  costUsd: z.number().nonnegative(),
  toolCalls: count,
  denials: count,
});
export const toolCallEvent = event('tool_call', {
  session: sessionNumber,
  /** The SDK's tool-use id; `tool_result` refers to it. */
  id: z.string(),
  tool: z.string(),
  /** The tool input as the agent sent it, secrets redacted. */
  input: z.record(z.string(), z.unknown()),
});
export const toolResultEvent = event('tool_result', {
  session: sessionNumber,
  id: z.string(),
  isError: z.boolean(),
  /** Length of the result text in characters (the text itself is not logged). */
  size: count,
});
export const apiRetryEvent = event('api_retry', {
  session: sessionNumber,
  attempt: z.int(),
  status: z.int().nullable().optional(),
  error: z.string(),
});
export const policyDenialEvent = event('policy_denial', {
  session: sessionNumber,
  tool: z.string(),
  input: z.record(z.string(), z.unknown()),
  /** Which guard refused, e.g. `shell-policy`, `path-confinement`, `secrets`, `loop-detector`. */
  guard: z.string(),
  /** The rule inside the guard, stable, e.g. `rm-outside-project`. */
  rule: z.string(),
  reason: z.string(),
});
export const checkpointEvent = event('checkpoint', { session: sessionNumber, commit: z.string() });
export const checkpointBlockedEvent = event('checkpoint_blocked', {
  session: sessionNumber,
  /** What the secrets scan found, one finding a line (values redacted). */
  hits: z.string(),
});
export const processesStoppedEvent = event('processes_stopped', {
  session: sessionNumber.optional(),
  /** Dev servers and browsers the session started and left running, stopped by the harness. */
  processes: z.array(z.object({ pid: z.number(), command: z.string(), ports: z.array(z.number()) }).loose()),
});
export const featureListAcceptedEvent = event('feature_list_accepted', { count });
export const featureListRejectedEvent = event('feature_list_rejected', { error: z.string() });
export const featurePassedEvent = event('feature_passed', {
  featureId: z.string(),
  session: sessionNumber.optional(),
  /** The test command the harness ran to prove it, and what it counted. */
  command: z.string().optional(),
  counts: z.record(z.string(), z.number()).optional(),
  commit: z.string().nullable().optional(),
});
export const featureGaveUpEvent = event('feature_gave_up', {
  featureId: z.string(),
  session: sessionNumber.optional(),
  reason: z.string(),
});
export const verificationRejectedEvent = event('verification_rejected', {
  featureId: z.string(),
  session: sessionNumber.optional(),
  command: z.string(),
  /** Where it was refused: the feature, the command, the test files, or the run. */
  stage: z.string(),
  reason: z.string(),
});
export const featureSkippedEvent = event('feature_skipped', {
  featureId: z.string(),
  reason: z.string(),
  session: sessionNumber.optional(),
});
export const featuresResetEvent = event('features_reset', {
  ids: z.array(z.string()),
  /** The attempts and skip each feature had before the reset. */
  cleared: z.record(z.string(), z.unknown()),
});
export const regressionEvent = event('regression', {
  /** A feature that passed before and fails now. */
  featureId: z.string(),
  /** Its recorded test command, re-run by the harness. */
  command: z.string().optional(),
  session: sessionNumber.optional(),
  reason: z.string().optional(),
});
export const tamperEvent = event('tamper', {
  featureId: z.string().optional(),
  session: sessionNumber.optional(),
  /** One line per change the harness undid. */
  changes: z.array(z.string()),
});
export const usageLimitWaitEvent = event('usage_limit_wait', {
  /** ISO time the usage limit resets. */
  until: z.string(),
  session: sessionNumber.optional(),
});
export const budgetStopEvent = event('budget_stop', {
  limit: z.enum(LIMITS),
  /** Set when a running session was aborted; absent when the run stopped before starting one. */
  session: sessionNumber.optional(),
  spentUsd: z.number().nonnegative().optional(),
  limitUsd: z.number().nonnegative().optional(),
  estimateNextUsd: z.number().nonnegative().optional(),
  elapsedMs: count.optional(),
  limitMs: count.optional(),
  reason: z.string(),
});

export const harnessEventSchema = z.discriminatedUnion('type', [
  runStartEvent,
  runEndEvent,
  sessionStartEvent,
  sessionSdkStartEvent,
  sessionEndEvent,
  toolCallEvent,
  toolResultEvent,
  apiRetryEvent,
  policyDenialEvent,
  checkpointEvent,
  checkpointBlockedEvent,
  processesStoppedEvent,
  featureListAcceptedEvent,
  featureListRejectedEvent,
  featurePassedEvent,
  featureGaveUpEvent,
  verificationRejectedEvent,
  featureSkippedEvent,
  featuresResetEvent,
  regressionEvent,
  tamperEvent,
  usageLimitWaitEvent,
  budgetStopEvent,
]);
export type HarnessEvent = z.infer<typeof harnessEventSchema>;
export type EventOf<T extends EventType> = Extract<HarnessEvent, { type: T }>;

export type ParsedEvent =
  | { ok: true; event: HarnessEvent }
  /** `unknown-type`: a type this version does not know (skip it); `invalid`: a known type, wrong shape. */
  | { ok: false; problem: 'not-json' | 'not-an-event' | 'unknown-type' | 'invalid'; message: string };

const KNOWN = new Set<string>(EVENT_TYPES);

export function isEventType(type: unknown): type is EventType {
  return typeof type === 'string' && KNOWN.has(type);
}

/** Checks one decoded record against the schema of its type. */
export function parseEvent(value: unknown): ParsedEvent {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, problem: 'not-an-event', message: 'not a JSON object' };
  }
  const { v, type } = value as { v?: unknown; type?: unknown };
  if (typeof type !== 'string' || typeof v !== 'number') {
    return { ok: false, problem: 'not-an-event', message: 'an event has a numeric "v" and a string "type"' };
  }
  if (!isEventType(type))
    return { ok: false, problem: 'unknown-type', message: `unknown event type ${type}` };
  const parsed = harnessEventSchema.safeParse(value);
  if (parsed.success) return { ok: true, event: parsed.data };
  const issue = parsed.error.issues[0];
  const where = issue === undefined || issue.path.length === 0 ? '' : `${issue.path.join('.')}: `;
  return { ok: false, problem: 'invalid', message: `${type}: ${where}${issue?.message ?? 'invalid'}` };
}

/** Parses one line of events.jsonl. */
export function parseEventLine(line: string): ParsedEvent {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { ok: false, problem: 'not-json', message: 'not valid JSON (a line torn by a crash?)' };
  }
  return parseEvent(value);
}

/** The JSON Schema (draft 2020-12) of one record, for consumers in other languages. */
export function eventJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(harnessEventSchema, { unrepresentable: 'any' }) as Record<string, unknown>;
}
