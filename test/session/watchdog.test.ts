import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { describeDuration } from '../../src/config/duration.js';
import type { EngineEvent } from '../../src/engine/events.js';
import {
  startWatchdog,
  TOOL_ALLOWANCE_MS,
  type Watchdog,
  type WatchdogExpiry,
  type WatchdogReason,
} from '../../src/session/watchdog.js';

const MIN = 60_000;
const text: EngineEvent = { type: 'assistant_text', text: 'hi' };
const toolCall = (id: string, name = 'Bash'): EngineEvent => ({ type: 'tool_call', id, name, input: {} });
const toolResult = (id: string): EngineEvent => ({ type: 'tool_result', id, isError: false, content: '' });
const start: EngineEvent = {
  type: 'session_start',
  sessionId: 's',
  model: 'm',
  cwd: '/p',
  tools: [],
  permissionMode: 'acceptEdits',
  claudeCodeVersion: '2',
};

let expiries: Array<[WatchdogReason, WatchdogExpiry]>;
let dog: Watchdog | undefined;

function watch(
  overrides: { firstResponseMs?: number; idleMs?: number; sessionMs?: number; toolAllowanceMs?: number } = {},
) {
  dog = startWatchdog({
    firstResponseMs: 5 * MIN,
    idleMs: 10 * MIN,
    sessionMs: 120 * MIN,
    ...overrides,
    onExpire: (reason, detail) => expiries.push([reason, detail]),
  });
  return dog;
}

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(new Date('2026-11-25T10:00:00Z'));
  expiries = [];
});

afterEach(() => {
  dog?.stop();
  dog = undefined;
  vi.useRealTimers();
});

describe('first response', () => {
  it('fires when no text or tool call arrives in time, even with no event at all', () => {
    watch();
    vi.advanceTimersByTime(5 * MIN - 1);
    expect(expiries).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(expiries).toHaveLength(1);
    const [reason, detail] = expiries[0] ?? [];
    expect(reason).toBe('first-response');
    expect(detail).toMatchObject({ waitedMs: 5 * MIN, limitMs: 5 * MIN, runningTools: [] });
    expect(detail?.message).toBe('No answer from the model 5 min after the session started.');
  });

  it('is not satisfied by session_start or api_retry', () => {
    const watchdog = watch();
    vi.advanceTimersByTime(MIN);
    watchdog.observe(start);
    vi.advanceTimersByTime(MIN);
    watchdog.observe({
      type: 'api_retry',
      attempt: 1,
      maxRetries: 10,
      delayMs: 500,
      status: 529,
      error: 'overloaded',
    });
    vi.advanceTimersByTime(3 * MIN);
    expect(expiries.map(([reason]) => reason)).toEqual(['first-response']);
  });

  it('is satisfied by assistant text or a tool call', () => {
    for (const first of [text, toolCall('t1')]) {
      expiries = [];
      const watchdog = watch();
      vi.advanceTimersByTime(4 * MIN);
      watchdog.observe(first);
      vi.advanceTimersByTime(5 * MIN);
      expect(expiries).toEqual([]);
      expect(watchdog.state().firstResponseSeen).toBe(true);
      watchdog.stop();
    }
  });
});

describe('idle', () => {
  it('fires when no event at all arrives within idleMs, saying how long it waited', () => {
    const watchdog = watch({ firstResponseMs: 60 * MIN });
    watchdog.observe(text);
    vi.advanceTimersByTime(10 * MIN);
    expect(expiries).toHaveLength(1);
    const [reason, detail] = expiries[0] ?? [];
    expect(reason).toBe('idle');
    expect(detail).toMatchObject({ waitedMs: 10 * MIN, limitMs: 10 * MIN });
    expect(detail?.message).toBe('No progress for 10 min: no message from the agent.');
  });

  it('is reset by every event', () => {
    const watchdog = watch();
    watchdog.observe(text);
    for (let i = 0; i < 6; i++) {
      vi.advanceTimersByTime(9 * MIN);
      watchdog.observe(i % 2 === 0 ? toolCall(`t${i}`, 'Read') : toolResult(`t${i - 1}`));
    }
    expect(expiries).toEqual([]);
    expect(watchdog.state().sinceLastEventMs).toBe(0);
    vi.advanceTimersByTime(10 * MIN);
    expect(expiries.map(([reason]) => reason)).toEqual(['idle']);
  });

  it('allows a running tool call toolAllowanceMs (30 min by default) before it counts as a stall', () => {
    expect(TOOL_ALLOWANCE_MS).toBe(30 * MIN);
    const watchdog = watch();
    watchdog.observe(toolCall('install'));
    expect(watchdog.state().idleLimitMs).toBe(30 * MIN);
    vi.advanceTimersByTime(29 * MIN);
    expect(expiries).toEqual([]);
    vi.advanceTimersByTime(MIN);
    const [reason, detail] = expiries[0] ?? [];
    expect(reason).toBe('idle');
    expect(detail).toMatchObject({ waitedMs: 30 * MIN, limitMs: 30 * MIN, runningTools: ['Bash'] });
    expect(detail?.message).toBe('No progress for 30 min while Bash was running.');
  });

  it('goes back to idleMs once every running tool call has its result', () => {
    const watchdog = watch({ toolAllowanceMs: 20 * MIN });
    watchdog.observe(toolCall('a', 'Bash'));
    watchdog.observe(toolCall('b', 'Task'));
    vi.advanceTimersByTime(15 * MIN);
    watchdog.observe(toolResult('a'));
    expect(watchdog.state()).toMatchObject({ idleLimitMs: 20 * MIN, runningTools: ['Task'] });
    vi.advanceTimersByTime(15 * MIN);
    watchdog.observe(toolResult('b'));
    expect(watchdog.state()).toMatchObject({ idleLimitMs: 10 * MIN, runningTools: [] });
    vi.advanceTimersByTime(10 * MIN - 1);
    expect(expiries).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(expiries.map(([reason]) => reason)).toEqual(['idle']);
  });

  it('never lets the allowance be shorter than idleMs', () => {
    const watchdog = watch({ toolAllowanceMs: MIN });
    watchdog.observe(toolCall('a'));
    expect(watchdog.state().idleLimitMs).toBe(10 * MIN);
  });

  it("adds the CLI's announced retry delay after an api_retry", () => {
    const watchdog = watch();
    watchdog.observe(text);
    watchdog.observe({
      type: 'api_retry',
      attempt: 3,
      maxRetries: 10,
      delayMs: 4 * MIN,
      status: 529,
      error: 'x',
    });
    vi.advanceTimersByTime(14 * MIN - 1);
    expect(expiries).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(expiries[0]?.[1]).toMatchObject({ reason: 'idle', limitMs: 14 * MIN });
  });
});

describe('session', () => {
  it('fires sessionMs after the start however busy the session is', () => {
    const watchdog = watch({ sessionMs: 30 * MIN });
    for (let minute = 1; minute <= 30; minute++) {
      vi.advanceTimersByTime(MIN - 1);
      watchdog.observe(text);
      vi.advanceTimersByTime(1);
    }
    expect(expiries).toHaveLength(1);
    const [reason, detail] = expiries[0] ?? [];
    expect(reason).toBe('session');
    expect(detail?.waitedMs).toBe(30 * MIN);
    expect(detail?.message).toBe('The session ran for 30 min, its time limit.');
  });

  it('handles limits longer than setTimeout can wait', () => {
    const days = 40 * 24 * 60 * MIN;
    const watchdog = watch({
      sessionMs: days,
      idleMs: Number.POSITIVE_INFINITY,
      firstResponseMs: Number.POSITIVE_INFINITY,
    });
    watchdog.observe(text);
    vi.advanceTimersByTime(days - 1);
    expect(expiries).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(expiries.map(([reason]) => reason)).toEqual(['session']);
  });
});

describe('only the first expiry counts', () => {
  it('reports once and clears every timer', () => {
    const watchdog = watch({ firstResponseMs: MIN, idleMs: 2 * MIN, sessionMs: 3 * MIN });
    vi.advanceTimersByTime(10 * MIN);
    expect(expiries.map(([reason]) => reason)).toEqual(['first-response']);
    expect(watchdog.state().expired).toBe('first-response');
    expect(vi.getTimerCount()).toBe(0);
    watchdog.observe(text);
    vi.advanceTimersByTime(10 * MIN);
    expect(expiries).toHaveLength(1);
  });

  it('stop() clears everything', () => {
    const watchdog = watch();
    watchdog.observe(toolCall('t'));
    watchdog.stop();
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(500 * MIN);
    expect(expiries).toEqual([]);
    expect(watchdog.state()).toMatchObject({ stopped: true, expired: undefined });
  });

  it('stops by itself on the result or error event', () => {
    for (const end of [
      {
        type: 'result',
        ok: true,
        subtype: 'success',
        text: 'done',
        errors: [],
        terminalReason: 'completed',
        usage: { inputTokens: 1, outputTokens: 1, cacheReadInputTokens: 0, cacheCreationInputTokens: 0 },
        costUsd: 0,
        numTurns: 1,
        durationMs: 1,
        sessionId: 's',
      } satisfies EngineEvent,
      { type: 'error', kind: 'engine', message: 'boom' } satisfies EngineEvent,
      { type: 'error', kind: 'aborted', message: 'aborted' } satisfies EngineEvent,
    ]) {
      expiries = [];
      const watchdog = watch();
      watchdog.observe(text);
      watchdog.observe(end);
      expect(vi.getTimerCount()).toBe(0);
      vi.advanceTimersByTime(500 * MIN);
      expect(expiries).toEqual([]);
      expect(watchdog.state().stopped).toBe(true);
    }
  });
});

describe('state', () => {
  it('reports the clock and what is running', () => {
    const watchdog = watch();
    vi.advanceTimersByTime(2 * MIN);
    watchdog.observe(toolCall('r', 'Read'));
    vi.advanceTimersByTime(MIN);
    expect(watchdog.state()).toEqual({
      startedAt: Date.parse('2026-11-25T10:00:00Z'),
      elapsedMs: 3 * MIN,
      lastEventAt: Date.parse('2026-11-25T10:02:00Z'),
      sinceLastEventMs: MIN,
      firstResponseSeen: true,
      runningTools: ['Read'],
      idleLimitMs: 30 * MIN,
      expired: undefined,
      stopped: false,
    });
  });

  it('takes an injected clock', () => {
    let t = 1_000;
    dog = startWatchdog({
      firstResponseMs: MIN,
      idleMs: MIN,
      sessionMs: MIN,
      onExpire: (reason, detail) => expiries.push([reason, detail]),
      now: () => t,
    });
    t = 31_000;
    expect(dog.state().elapsedMs).toBe(30_000);
  });
});

describe('describeDuration', () => {
  it('prints hours, minutes and seconds', () => {
    expect(describeDuration(0)).toBe('0 s');
    expect(describeDuration(90_000)).toBe('1 min 30 s');
    expect(describeDuration(2 * 60 * MIN)).toBe('2 h');
    expect(describeDuration(2 * 60 * MIN + 5_000)).toBe('2 h 5 s');
  });

  it('keeps short waits in milliseconds and rounds the rest to whole seconds', () => {
    expect(describeDuration(500)).toBe('500 ms');
    expect(describeDuration(3_000)).toBe('3 s');
    expect(describeDuration(7_340)).toBe('7 s');
  });
});
