import { describe, expect, it } from 'vitest';
import {
  isUsageLimitText,
  parseUsageLimitReset,
  statusFromText,
  zonedToEpoch,
} from '../../src/session/api-errors.js';

const now = new Date('2026-11-25T10:00:00Z');
const at = (text: string, timeZone = 'UTC', when = now) =>
  parseUsageLimitReset(text, { now: when, timeZone });

describe('statusFromText', () => {
  it.each([
    ['API Error: 529 {"type":"error","error":{"type":"overloaded_error"}}', 529],
    ['API Error: Repeated 529 Overloaded errors', 529],
    ['API Error: 401 Invalid API key · Please run /login', 401],
    ['Server answered HTTP 503', 503],
    ['{"status":429,"message":"slow down"}', 429],
    ['Request failed with status code 502', 502],
    ['got a 500 status code from upstream', 500],
  ])('%s → %i', (text, status) => {
    expect(statusFromText(text)).toBe(status);
  });

  it('ignores numbers that are not named as a status', () => {
    expect(statusFromText('the build took 500 ms on 404 files')).toBeUndefined();
    expect(statusFromText('API Error: Request timed out.')).toBeUndefined();
  });
});

describe('isUsageLimitText', () => {
  it.each([
    'Claude AI usage limit reached|1735689600',
    "You've hit your limit · resets 3pm (Europe/Berlin)",
    "You've hit your session limit · resets 3pm",
    '5-hour limit reached ∙ resets 3pm',
    "You're out of extra usage · resets 4pm",
    'Your usage limit resets at 9am.',
  ])('%s is a usage limit', (text) => {
    expect(isUsageLimitText(text)).toBe(true);
  });

  it.each([
    'Server is temporarily limiting requests (not your usage limit)',
    'API Error: 429 rate_limit_error',
    'connection reset by peer',
  ])('%s is not', (text) => {
    expect(isUsageLimitText(text)).toBe(false);
  });
});

describe('parseUsageLimitReset', () => {
  it('reads the epoch form, in seconds or milliseconds', () => {
    expect(at('Claude AI usage limit reached|1800014400')?.toISOString()).toBe('2027-01-15T12:00:00.000Z');
    expect(at('Claude AI usage limit reached|1800014400000')?.toISOString()).toBe('2027-01-15T12:00:00.000Z');
  });

  it('reads a time with its zone: the next 3pm in Berlin (UTC+1 in November)', () => {
    expect(at("You've hit your limit · resets 3pm (Europe/Berlin)")?.toISOString()).toBe(
      '2026-11-25T14:00:00.000Z',
    );
    expect(at('resets at 3:30pm (America/New_York)')?.toISOString()).toBe('2026-11-25T20:30:00.000Z');
    expect(
      at('Your limit will reset at 9 a.m. (UTC)', 'UTC', new Date('2026-11-25T08:00:00Z'))?.toISOString(),
    ).toBe('2026-11-25T09:00:00.000Z');
  });

  it('rolls a time that has passed today over to tomorrow', () => {
    expect(at('resets 9am (Europe/Berlin)')?.toISOString()).toBe('2026-11-26T08:00:00.000Z');
  });

  it("uses the given zone when the message has none (the CLI prints the machine's)", () => {
    // 10:00Z is 19:00 in Tokyo, so 3pm there is tomorrow's.
    expect(at('5-hour limit reached ∙ resets 3pm', 'Asia/Tokyo')?.toISOString()).toBe(
      '2026-11-26T06:00:00.000Z',
    );
    expect(at('resets 15:00', 'UTC')?.toISOString()).toBe('2026-11-25T15:00:00.000Z');
  });

  it('reads dates, with and without a year', () => {
    expect(at('resets Dec 3, 3pm (UTC)')?.toISOString()).toBe('2026-12-03T15:00:00.000Z');
    expect(at('resets Jan 2, 2027, 9am (Europe/Berlin)')?.toISOString()).toBe('2027-01-02T08:00:00.000Z');
    expect(at('resets Dec 3 (UTC)')?.toISOString()).toBe('2026-12-03T00:00:00.000Z');
    // Printed without a year on Dec 31 for a reset on Jan 1: next year's.
    expect(at('resets Jan 1, 9am', 'UTC', new Date('2026-12-31T20:00:00Z'))?.toISOString()).toBe(
      '2027-01-01T09:00:00.000Z',
    );
  });

  it('reads ISO timestamps and relative forms', () => {
    expect(at('usage limit reached, resets at 2026-11-25T18:00:00Z')?.toISOString()).toBe(
      '2026-11-25T18:00:00.000Z',
    );
    expect(at('limit reached · resets in 2h 30m')?.toISOString()).toBe('2026-11-25T12:30:00.000Z');
    expect(at('please try again in 45 minutes')?.toISOString()).toBe('2026-11-25T10:45:00.000Z');
    expect(at('retry in 1 hour and 5 minutes')?.toISOString()).toBe('2026-11-25T11:05:00.000Z');
  });

  it('gets daylight-saving switches right', () => {
    // Berlin switches to summer time at 01:00Z on 2027-03-28.
    expect(new Date(zonedToEpoch(2027, 3, 28, 1, 0, 'Europe/Berlin')).toISOString()).toBe(
      '2027-03-28T00:00:00.000Z',
    );
    expect(new Date(zonedToEpoch(2027, 3, 28, 4, 0, 'Europe/Berlin')).toISOString()).toBe(
      '2027-03-28T02:00:00.000Z',
    );
  });

  it('returns undefined when no time can be read', () => {
    expect(at('Claude AI usage limit reached')).toBeUndefined();
    expect(at('read ECONNRESET: connection reset by peer')).toBeUndefined();
    expect(at('resets soon')).toBeUndefined();
    expect(at('resets 3pm (Not/AZone)')).toBeUndefined();
    expect(at('resets 13pm')).toBeUndefined();
    expect(at('retry in 5 attempts')).toBeUndefined();
  });

  it('skips a "reset" that is not a time and reads the next one', () => {
    expect(at('connection reset by peer; limit resets 3pm (UTC)')?.toISOString()).toBe(
      '2026-11-25T15:00:00.000Z',
    );
  });
});
