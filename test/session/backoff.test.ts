import { describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../src/engine/events.js';
import {
  BASE_DELAY_MS,
  classifyApiFailure,
  classifyText,
  type FailureEvent,
  kindFromStatus,
  MAX_DELAY_MS,
  nextDelayMs,
  PAUSE_AFTER_FAILED_SESSIONS,
  shouldPauseRun,
} from '../../src/session/backoff.js';

const now = new Date('2026-11-25T10:00:00Z');

function result(fields: Partial<Extract<EngineEvent, { type: 'result' }>>): FailureEvent {
  return {
    type: 'result',
    ok: false,
    subtype: 'success',
    text: undefined,
    errors: [],
    terminalReason: undefined,
    usage: { inputTokens: 0, outputTokens: 0, cacheReadInputTokens: 0, cacheCreationInputTokens: 0 },
    costUsd: 0,
    numTurns: 1,
    durationMs: 10,
    sessionId: 's',
    ...fields,
  };
}

const failedWith = (text: string) => classifyApiFailure(result({ text }), { now, timeZone: 'UTC' });

describe('classifyApiFailure on results', () => {
  it('is no failure when the session succeeded', () => {
    expect(
      classifyApiFailure(result({ ok: true, text: 'API Error: 529 in the transcript' })),
    ).toBeUndefined();
  });

  it.each([
    ['API Error: 429 {"type":"error","error":{"type":"rate_limit_error"}}', 'rate_limit', 429, true],
    ['API Error: 529 {"type":"error","error":{"type":"overloaded_error"}}', 'overloaded', 529, true],
    ['API Error: Repeated 529 Overloaded errors', 'overloaded', 529, true],
    ['API Error: 500 {"type":"error","error":{"type":"api_error"}}', 'server', 500, true],
    ['API Error: 503 Service Unavailable', 'server', 503, true],
    ['API Error: 401 Invalid API key · Please run /login', 'auth', 401, false],
    ['API Error: 403 {"type":"error","error":{"type":"permission_error"}}', 'auth', 403, false],
    [
      'API Error: 400 {"type":"error","error":{"type":"invalid_request_error"}}',
      'invalid_request',
      400,
      false,
    ],
  ] as const)('%s → %s', (text, kind, status, retryable) => {
    expect(failedWith(text)).toEqual({ kind, status, retryable, message: text });
  });

  it.each([
    ['API Error: Request timed out.', 'connection'],
    ['API Error: Connection error.', 'connection'],
    ['Invalid API key · Please run /login', 'auth'],
    ['OAuth token has expired', 'auth'],
    ['Server is temporarily limiting requests (not your usage limit)', 'rate_limit'],
    ['Overloaded', 'overloaded'],
    ['Prompt is too long', 'invalid_request'],
    ['something else went wrong', 'other'],
  ] as const)('%s → %s (no status)', (text, kind) => {
    expect(failedWith(text)?.kind).toBe(kind);
  });

  it('reads a usage limit and when it resets', () => {
    const failure = failedWith('Claude AI usage limit reached|1764068400'); // 2025-11-25T11:00:00Z, in the past
    expect(failure).toMatchObject({ kind: 'usage_limit', retryable: true, retryAfterMs: 0 });
    const berlin = classifyApiFailure(
      result({ text: "You've hit your limit · resets 3pm (Europe/Berlin)" }),
      {
        now,
      },
    );
    expect(berlin?.resetAt?.toISOString()).toBe('2026-11-25T14:00:00.000Z');
    expect(berlin?.retryAfterMs).toBe(4 * 3_600_000);
  });

  it('knows a usage limit from the terminal reason even without a readable time', () => {
    const failure = classifyApiFailure(
      result({ terminalReason: 'blocking_limit', errors: ['Limit reached'] }),
      {
        now,
      },
    );
    expect(failure).toEqual({ kind: 'usage_limit', retryable: true, message: 'Limit reached' });
  });

  it('reads the errors list and falls back to the subtype', () => {
    expect(
      classifyApiFailure(result({ subtype: 'error_during_execution', errors: ['read ECONNRESET'] }))?.kind,
    ).toBe('connection');
    expect(classifyApiFailure(result({ subtype: 'error_max_turns' }))).toEqual({
      kind: 'other',
      retryable: true,
      message: 'error_max_turns',
    });
    expect(
      classifyApiFailure(result({ terminalReason: 'prompt_too_long', text: 'Prompt is too long' }))?.kind,
    ).toBe('invalid_request');
  });
});

describe('classifyApiFailure on api_retry and error events', () => {
  const retry = (status: number | null, error: string): FailureEvent => ({
    type: 'api_retry',
    attempt: 1,
    maxRetries: 10,
    delayMs: 1000,
    status,
    error,
  });

  it('uses the status first, then the SDK error code', () => {
    expect(classifyApiFailure(retry(529, 'overloaded'))).toMatchObject({ kind: 'overloaded', status: 529 });
    expect(classifyApiFailure(retry(429, 'rate_limit'))).toMatchObject({ kind: 'rate_limit', status: 429 });
    expect(classifyApiFailure(retry(502, 'server_error'))).toMatchObject({ kind: 'server', status: 502 });
    expect(classifyApiFailure(retry(401, 'authentication_failed'))).toMatchObject({
      kind: 'auth',
      retryable: false,
    });
    expect(classifyApiFailure(retry(418, 'rate_limit'))?.kind).toBe('rate_limit');
    expect(classifyApiFailure(retry(418, 'unknown'))?.kind).toBe('other');
  });

  it('reads a missing status as a connection error', () => {
    expect(classifyApiFailure(retry(null, 'unknown'))).toEqual({
      kind: 'connection',
      retryable: true,
      message: 'unknown',
    });
  });

  it('classifies engine errors by their message', () => {
    expect(classifyApiFailure({ type: 'error', kind: 'engine', message: 'socket hang up' })?.kind).toBe(
      'connection',
    );
    expect(
      classifyApiFailure({ type: 'error', kind: 'engine', message: 'connect ECONNREFUSED 127.0.0.1' })?.kind,
    ).toBe('connection');
    expect(
      classifyApiFailure({ type: 'error', kind: 'aborted', message: 'The session was aborted.' })?.kind,
    ).toBe('other');
  });
});

describe('classifyText and kindFromStatus', () => {
  it('maps statuses', () => {
    expect(kindFromStatus(429)).toBe('rate_limit');
    expect(kindFromStatus(529)).toBe('overloaded');
    expect(kindFromStatus(504)).toBe('server');
    expect(kindFromStatus(408)).toBe('connection');
    expect(kindFromStatus(404)).toBe('invalid_request');
    expect(kindFromStatus(302)).toBeUndefined();
  });

  it('keeps a status the kind did not come from', () => {
    expect(classifyText('HTTP 302 then socket hang up')).toEqual({ kind: 'connection', status: 302 });
  });
});

describe('nextDelayMs', () => {
  it('doubles the ceiling per attempt and picks uniformly below it (full jitter)', () => {
    const top = () => 0.999999;
    expect(nextDelayMs({ attempt: 1, random: top })).toBe(BASE_DELAY_MS - 1);
    expect(nextDelayMs({ attempt: 2, random: top })).toBe(2 * BASE_DELAY_MS - 1);
    expect(nextDelayMs({ attempt: 3, random: () => 0.5 })).toBe(2 * BASE_DELAY_MS);
    expect(nextDelayMs({ attempt: 4, random: () => 0 })).toBe(0);
  });

  it('never goes above the cap', () => {
    expect(nextDelayMs({ attempt: 7, random: () => 0.5 })).toBe(MAX_DELAY_MS / 2);
    expect(nextDelayMs({ attempt: 10_000, random: () => 0.999999 })).toBe(MAX_DELAY_MS - 1);
    expect(nextDelayMs({ attempt: 3, baseMs: 100, capMs: 250, random: () => 0.999999 })).toBe(249);
  });

  it('uses retry-after first, uncapped', () => {
    expect(nextDelayMs({ attempt: 1, retryAfterMs: 12_345.2, random: () => 0 })).toBe(12_346);
    expect(nextDelayMs({ attempt: 5, retryAfterMs: 4 * 3_600_000 })).toBe(4 * 3_600_000);
    expect(nextDelayMs({ attempt: 1, retryAfterMs: 0, random: () => 0.9 })).toBe(0);
  });

  it('ignores a retry-after that is missing or not a duration', () => {
    expect(nextDelayMs({ attempt: 1, retryAfterMs: undefined, random: () => 0.5 })).toBe(2_500);
    expect(nextDelayMs({ attempt: 1, retryAfterMs: -5, random: () => 0.5 })).toBe(2_500);
    expect(nextDelayMs({ attempt: 1, retryAfterMs: Number.NaN, random: () => 0.5 })).toBe(2_500);
  });

  it('treats attempts below 1 as the first and survives a random outside [0, 1)', () => {
    expect(nextDelayMs({ attempt: 0, random: () => 0.5 })).toBe(2_500);
    expect(nextDelayMs({ attempt: -3, random: () => 0.5 })).toBe(2_500);
    expect(nextDelayMs({ attempt: 1, random: () => 7 })).toBe(BASE_DELAY_MS - 1);
    expect(nextDelayMs({ attempt: 1, random: () => -1 })).toBe(0);
  });

  it('stays in range for Math.random', () => {
    for (let attempt = 1; attempt < 12; attempt++) {
      const delay = nextDelayMs({ attempt });
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** (attempt - 1)));
    }
  });
});

describe('shouldPauseRun', () => {
  it('pauses after 3 failed sessions in a row by default', () => {
    expect(PAUSE_AFTER_FAILED_SESSIONS).toBe(3);
    expect(shouldPauseRun(0)).toBe(false);
    expect(shouldPauseRun(2)).toBe(false);
    expect(shouldPauseRun(3)).toBe(true);
    expect(shouldPauseRun(1, 1)).toBe(true);
    expect(shouldPauseRun(4, 5)).toBe(false);
  });
});
