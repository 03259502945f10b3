import type { EngineEvent } from '../engine/events.js';
import { isUsageLimitText, parseUsageLimitReset, statusFromText } from './api-errors.js';

/**
 * Retry as pure functions: `classifyApiFailure` says what kind of failure ended (or is slowing) a session
 * and whether another try can help; `nextDelayMs` says how long to wait; `shouldPauseRun` says when to stop
 * trying. No clock, no timers: the caller sleeps.
 */

/** First retry waits up to this long (full jitter), doubling per attempt. */
export const BASE_DELAY_MS = 5_000;
/** No computed delay is longer than this (a server's retry-after or a usage-limit reset can be). */
export const MAX_DELAY_MS = 5 * 60_000;
/** Failed sessions in a row after which the run pauses instead of trying again. */
export const PAUSE_AFTER_FAILED_SESSIONS = 3;

export type ApiFailureKind =
  | 'rate_limit'
  | 'overloaded'
  | 'server'
  | 'connection'
  | 'usage_limit'
  | 'auth'
  | 'invalid_request'
  | 'other';

export interface ApiFailure {
  kind: ApiFailureKind;
  /** False when trying again cannot help until a person acts (credentials, a bad request). */
  retryable: boolean;
  /** The HTTP status, when known. */
  status?: number;
  /** When a usage limit resets, when the message says. */
  resetAt?: Date;
  /** How long to wait before trying again, when the failure says (a usage limit's reset). */
  retryAfterMs?: number;
  /** The text the decision was made from, for logs. */
  message: string;
}

/** The engine events that can report a failure. */
export type FailureEvent = Extract<EngineEvent, { type: 'result' | 'error' | 'api_retry' }>;

export interface ClassifyOptions {
  /** "Now", for reading reset times; the current time by default. */
  now?: Date;
  /** Zone of reset times written without one; the machine's zone by default (as the CLI prints them). */
  timeZone?: string;
}

const NOT_RETRYABLE: ReadonlySet<ApiFailureKind> = new Set(['auth', 'invalid_request']);

/** The SDK's error codes on `api_retry` (SDKAssistantMessageError) and what they mean here. */
const SDK_ERROR_KINDS: Readonly<Record<string, ApiFailureKind>> = {
  rate_limit: 'rate_limit',
  overloaded: 'overloaded',
  server_error: 'server',
  authentication_failed: 'auth',
  oauth_org_not_allowed: 'auth',
  account_on_hold: 'auth',
  verification_required: 'auth',
  cloud_credential_error: 'auth',
  billing_error: 'usage_limit',
  invalid_request: 'invalid_request',
  model_not_found: 'invalid_request',
};

/** Checked in order on the message text when no status decided it. */
const TEXT_KINDS: ReadonlyArray<[RegExp, ApiFailureKind]> = [
  [
    /invalid api key|invalid x-api-key|please run \/login|not logged in|authentication[_ ](?:failed|error)|permission_error|oauth token (?:has )?(?:expired|revoked)|\bunauthorized\b|\bforbidden\b/i,
    'auth',
  ],
  [/invalid_request_error|not_found_error|prompt is too long|model not found/i, 'invalid_request'],
  [/overloaded/i, 'overloaded'],
  [/rate[_ ]limit|too many requests|temporarily limiting requests/i, 'rate_limit'],
  [
    /\bapi_error\b|internal server error|server_error|bad gateway|service unavailable|gateway time-?out/i,
    'server',
  ],
  [
    /\bE(?:CONNRESET|CONNREFUSED|CONNABORTED|TIMEDOUT|NOTFOUND|AI_AGAIN|PIPE|NETUNREACH|HOSTUNREACH)\b|UND_ERR_\w+|socket hang up|connection (?:error|reset|refused|closed)|timed out|fetch failed|network error|unable to connect/i,
    'connection',
  ],
];

/**
 * What kind of failure an engine event reports. A successful `result` is no failure: undefined. An
 * `api_retry` is the CLI retrying on its own; classifying it tells the log what is slowing the session.
 */
export function classifyApiFailure(
  event: FailureEvent,
  options: ClassifyOptions = {},
): ApiFailure | undefined {
  const now = options.now ?? new Date();
  switch (event.type) {
    case 'api_retry': {
      const byStatus = event.status === null ? undefined : kindFromStatus(event.status);
      // No status means no HTTP answer at all: the SDK reports connection errors (timeouts) that way.
      const kind =
        byStatus ?? SDK_ERROR_KINDS[event.error] ?? (event.status === null ? 'connection' : 'other');
      return failure(kind, event.error, now, options, event.status ?? undefined);
    }
    case 'result': {
      if (event.ok) return undefined;
      const message = [event.text, ...event.errors]
        .filter((part) => part !== undefined && part !== '')
        .join('\n');
      if (event.terminalReason === 'blocking_limit') return failure('usage_limit', message, now, options);
      if (event.terminalReason === 'prompt_too_long')
        return failure('invalid_request', message, now, options);
      const classified = classifyText(message);
      return failure(classified.kind, message || event.subtype, now, options, classified.status);
    }
    case 'error': {
      const classified = classifyText(event.message);
      return failure(classified.kind, event.message, now, options, classified.status);
    }
  }
}

/** Classifies a failure message by its text alone. */
export function classifyText(text: string): { kind: ApiFailureKind; status?: number } {
  if (isUsageLimitText(text)) return { kind: 'usage_limit' };
  const status = statusFromText(text);
  const byStatus = status === undefined ? undefined : kindFromStatus(status);
  if (byStatus !== undefined && status !== undefined) return { kind: byStatus, status };
  const byText = TEXT_KINDS.find(([pattern]) => pattern.test(text))?.[1] ?? 'other';
  return status === undefined ? { kind: byText } : { kind: byText, status };
}

/** The kind an HTTP status means, or undefined when the status alone does not say. */
export function kindFromStatus(status: number): ApiFailureKind | undefined {
  if (status === 429) return 'rate_limit';
  if (status === 529) return 'overloaded';
  if (status === 401 || status === 403) return 'auth';
  if (status === 408) return 'connection';
  if (status === 400 || status === 404 || status === 413 || status === 422) return 'invalid_request';
  if (status >= 500 && status <= 599) return 'server';
  return undefined;
}

function failure(
  kind: ApiFailureKind,
  message: string,
  now: Date,
  options: ClassifyOptions,
  status?: number,
): ApiFailure {
  const result: ApiFailure = { kind, retryable: !NOT_RETRYABLE.has(kind), message };
  if (status !== undefined) result.status = status;
  if (kind === 'usage_limit') {
    const resetAt = parseUsageLimitReset(message, {
      now,
      ...(options.timeZone !== undefined ? { timeZone: options.timeZone } : {}),
    });
    if (resetAt !== undefined) {
      result.resetAt = resetAt;
      result.retryAfterMs = Math.max(0, resetAt.getTime() - now.getTime());
    }
  }
  return result;
}

export interface DelayOptions {
  /** 1 for the first retry, 2 for the second, … */
  attempt: number;
  /** What the failure asked for (retry-after, a usage limit's reset); wins over the backoff when given. */
  retryAfterMs?: number | undefined;
  baseMs?: number;
  capMs?: number;
  /** A number in [0, 1); `Math.random` by default. */
  random?: () => number;
}

/**
 * How long to wait before the next try: the failure's own retry-after when it has one (never capped: a
 * usage limit resets when it resets), else capped exponential backoff with full jitter, a uniform pick in
 * [0, min(cap, base × 2^(attempt−1))).
 */
export function nextDelayMs(options: DelayOptions): number {
  const { retryAfterMs, baseMs = BASE_DELAY_MS, capMs = MAX_DELAY_MS, random = Math.random } = options;
  if (retryAfterMs !== undefined && Number.isFinite(retryAfterMs) && retryAfterMs >= 0) {
    return Math.ceil(retryAfterMs);
  }
  const attempt = Number.isFinite(options.attempt) ? Math.max(1, Math.floor(options.attempt)) : 1;
  // 2^52 already exceeds any cap; the exponent limit keeps the product finite.
  const ceiling = Math.max(0, Math.min(capMs, baseMs * 2 ** Math.min(attempt - 1, 52)));
  const pick = Math.min(Math.max(random(), 0), 1);
  return Math.min(Math.floor(pick * ceiling), Math.max(0, Math.ceil(ceiling) - 1));
}

/** Whether the run should pause (and wait for a person) after this many failed sessions in a row. */
export function shouldPauseRun(
  consecutiveFailedSessions: number,
  limit = PAUSE_AFTER_FAILED_SESSIONS,
): boolean {
  return consecutiveFailedSessions >= limit;
}
