import { describeDuration } from '../config/duration.js';
import type { EngineEvent } from '../engine/events.js';

/**
 * Session timeouts as real timers. The Python original checked its limits only when a message arrived, so
 * a hung stream hung the run for hours; here a timer fires whether or not anything arrives.
 *
 * - first-response: no `assistant_text` or `tool_call` within `firstResponseMs` of the start;
 * - idle: no event at all within `idleMs`; while a tool call is running (seen without its result yet) the
 *   limit for that stretch is `toolAllowanceMs` instead, so a long `npm install` is not a stall; after an
 *   `api_retry` the CLI's announced delay is added, as it is waiting on purpose;
 * - session: `sessionMs` after the start, whatever happens.
 *
 * Only the first expiry is reported; after it, or after `stop()`, or after the session's `result` or `error`
 * event, no timer is left.
 */

/** How long one tool call may run without any event before the session counts as stalled. */
export const TOOL_ALLOWANCE_MS = 30 * 60_000;

export type WatchdogReason = 'first-response' | 'idle' | 'session';

export interface WatchdogExpiry {
  reason: WatchdogReason;
  /** How long it waited: since the start (first-response, session) or since the last event (idle). */
  waitedMs: number;
  /** The limit that ran out. */
  limitMs: number;
  /** Names of the tool calls still running when it expired. */
  runningTools: string[];
  /** One line for the log, saying what ran out and how long it waited. */
  message: string;
}

export interface WatchdogOptions {
  firstResponseMs: number;
  idleMs: number;
  sessionMs: number;
  /** The idle limit while a tool call is running; `TOOL_ALLOWANCE_MS` by default. */
  toolAllowanceMs?: number;
  /** Called once, for the first limit that runs out. */
  onExpire: (reason: WatchdogReason, detail: WatchdogExpiry) => void;
  /** The clock for `state()` and the details; `Date.now` by default (vitest's fake timers fake it too). */
  now?: () => number;
}

export interface WatchdogState {
  startedAt: number;
  elapsedMs: number;
  lastEventAt: number;
  sinceLastEventMs: number;
  firstResponseSeen: boolean;
  runningTools: string[];
  /** The idle limit in force now. */
  idleLimitMs: number;
  expired: WatchdogReason | undefined;
  stopped: boolean;
}

export interface Watchdog {
  observe(event: EngineEvent): void;
  stop(): void;
  state(): WatchdogState;
}

/** setTimeout's longest delay; longer limits are waited out in several steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

interface Timer {
  cancel(): void;
}

/** A one-shot timer for any duration; a limit that is not finite never fires. */
function after(ms: number, fire: () => void): Timer {
  let handle: ReturnType<typeof setTimeout> | undefined;
  let remaining = Math.max(0, ms);
  const step = () => {
    const chunk = Math.min(remaining, MAX_TIMER_MS);
    handle = setTimeout(() => {
      remaining -= chunk;
      if (remaining > 0) step();
      else fire();
    }, chunk);
  };
  if (Number.isFinite(ms)) step();
  return { cancel: () => clearTimeout(handle) };
}

export function startWatchdog(options: WatchdogOptions): Watchdog {
  const now = options.now ?? Date.now;
  const toolAllowanceMs = options.toolAllowanceMs ?? TOOL_ALLOWANCE_MS;
  const startedAt = now();
  let lastEventAt = startedAt;
  let firstResponseSeen = false;
  let expired: WatchdogReason | undefined;
  let stopped = false;
  /** Running tool calls: id → tool name. */
  const running = new Map<string, string>();
  let idleLimitMs = options.idleMs;

  const timers: { firstResponse?: Timer; idle?: Timer; session?: Timer } = {};

  const clearAll = () => {
    timers.firstResponse?.cancel();
    timers.idle?.cancel();
    timers.session?.cancel();
  };

  const expire = (reason: WatchdogReason, waitedMs: number, limitMs: number) => {
    if (expired !== undefined || stopped) return;
    expired = reason;
    clearAll();
    const runningTools = [...running.values()];
    options.onExpire(reason, {
      reason,
      waitedMs,
      limitMs,
      runningTools,
      message: describe(reason, waitedMs, runningTools),
    });
  };

  const armIdle = (limitMs: number) => {
    timers.idle?.cancel();
    idleLimitMs = limitMs;
    timers.idle = after(limitMs, () => expire('idle', now() - lastEventAt, limitMs));
  };

  timers.session = after(options.sessionMs, () => expire('session', now() - startedAt, options.sessionMs));
  timers.firstResponse = after(options.firstResponseMs, () =>
    expire('first-response', now() - startedAt, options.firstResponseMs),
  );
  armIdle(options.idleMs);

  const stop = () => {
    stopped = true;
    clearAll();
  };

  return {
    observe(event) {
      if (stopped || expired !== undefined) return;
      lastEventAt = now();
      switch (event.type) {
        case 'assistant_text':
          break;
        case 'tool_call':
          running.set(event.id, event.name);
          break;
        case 'tool_result':
          running.delete(event.id);
          break;
        case 'result':
        case 'error':
          stop();
          return;
        default:
          break;
      }
      if (!firstResponseSeen && (event.type === 'assistant_text' || event.type === 'tool_call')) {
        firstResponseSeen = true;
        timers.firstResponse?.cancel();
      }
      const base = running.size > 0 ? Math.max(options.idleMs, toolAllowanceMs) : options.idleMs;
      armIdle(event.type === 'api_retry' ? base + Math.max(0, event.delayMs) : base);
    },
    stop,
    state() {
      const at = now();
      return {
        startedAt,
        elapsedMs: at - startedAt,
        lastEventAt,
        sinceLastEventMs: at - lastEventAt,
        firstResponseSeen,
        runningTools: [...running.values()],
        idleLimitMs,
        expired,
        stopped,
      };
    },
  };
}

function describe(reason: WatchdogReason, waitedMs: number, runningTools: string[]): string {
  const waited = describeDuration(waitedMs);
  switch (reason) {
    case 'first-response':
      return `No answer from the model ${waited} after the session started.`;
    case 'session':
      return `The session ran for ${waited}, its time limit.`;
    case 'idle':
      return runningTools.length > 0
        ? `No progress for ${waited} while ${runningTools.join(', ')} ${runningTools.length === 1 ? 'was' : 'were'} running.`
        : `No progress for ${waited}: no message from the agent.`;
  }
}
