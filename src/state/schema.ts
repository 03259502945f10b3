/**
 * The shape of `.claude-harness/state.json`, version 1. Every read is checked against it; a file that does
 * not match is never overwritten (see store.ts).
 */
import { z } from 'zod';
import { MODES } from '../config/types.js';

export const STATE_VERSION = 1;

/** How a session ended; `running` until it does. */
export const SESSION_OUTCOMES = [
  /** The initializer produced a valid plan, or the feature was verified as passing. */
  'passed',
  /** The session ended normally but its work did not pass. */
  'failed',
  /** The harness stopped it: a stall, a loop, a guard. */
  'aborted',
  /** It ran past --session-timeout. */
  'timeout',
  /** The model API failed (overloaded, rate limited, unreachable); not the feature's fault. */
  'api-error',
  /** Ctrl+C, or the harness itself died while it ran (found `running` on resume). */
  'interrupted',
  'running',
] as const;
export type SessionOutcome = (typeof SESSION_OUTCOMES)[number];
export type EndedOutcome = Exclude<SessionOutcome, 'running'>;

/** Outcomes that count against --max-retries: the feature's own failures, not the API's nor the user's. */
export const COUNTED_OUTCOMES: readonly EndedOutcome[] = ['failed', 'aborted', 'timeout'];

const count = z.int().nonnegative();
const timestamp = z.string().min(1);
const endedOutcome = z.enum(SESSION_OUTCOMES).exclude(['running']);

export const sessionSchema = z.object({
  /** 1, 2, 3… over the life of the project. */
  number: z.int().positive(),
  kind: z.enum(['initializer', 'coding']),
  featureId: z.string().min(1).optional(),
  /** Which try this is: on the feature for coding sessions, among initializers for the initializer. */
  attempt: z.int().positive(),
  startedAt: timestamp,
  endedAt: timestamp.optional(),
  outcome: z.enum(SESSION_OUTCOMES),
  reason: z.string().optional(),
  sdkSessionId: z.string().optional(),
  costUsd: z.number().nonnegative(),
  tokens: z.object({ input: count, output: count }),
  turns: count,
  /** The Claude Code CLI of this session. */
  cliPid: z.int().positive().optional(),
  /** The harness process that ran it. */
  harnessPid: z.int().positive(),
});
export type SessionRecord = z.infer<typeof sessionSchema>;

export const attemptSchema = z.object({
  session: z.int().positive(),
  outcome: endedOutcome,
  reason: z.string().optional(),
  at: timestamp,
});
export type AttemptRecord = z.infer<typeof attemptSchema>;

export const featureRecordSchema = z.object({
  attempts: z.array(attemptSchema),
  skipped: z.object({ reason: z.string(), at: timestamp }).optional(),
});
export type FeatureRecord = z.infer<typeof featureRecordSchema>;

export const runInfoSchema = z.object({
  /** The first start of the harness on this project. */
  startedAt: timestamp,
  /** The latest start (a resume updates it). */
  lastStartedAt: timestamp,
  starts: z.int().positive(),
  mode: z.enum(MODES),
  model: z.string().min(1),
  specPath: z.string().nullable(),
});
export type RunInfo = z.infer<typeof runInfoSchema>;

export const stateSchema = z.object({
  version: z.literal(STATE_VERSION),
  /** `null` until the first run starts. */
  run: runInfoSchema.nullable(),
  sessions: z.array(sessionSchema),
  /** Keyed by feature id; a feature appears once it has an attempt or a skip. */
  features: z.record(z.string(), featureRecordSchema),
  /** Sessions that ended neither `passed` nor `interrupted`, in a row; a pass resets it. */
  consecutiveFailedSessions: count,
  /** The highest `F<n>` id ever issued, so ids are never reused. */
  lastFeatureNumber: count,
  totals: z.object({
    sessions: count,
    costUsd: z.number().nonnegative(),
    inputTokens: count,
    outputTokens: count,
  }),
});
export type HarnessState = z.infer<typeof stateSchema>;

export function freshState(): HarnessState {
  return {
    version: STATE_VERSION,
    run: null,
    sessions: [],
    features: {},
    consecutiveFailedSessions: 0,
    lastFeatureNumber: 0,
    totals: { sessions: 0, costUsd: 0, inputTokens: 0, outputTokens: 0 },
  };
}
