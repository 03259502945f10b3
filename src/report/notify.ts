/**
 * Webhook notifications (`--notify-url`): a JSON POST when a run completes or stops, a feature is skipped
 * or the budget is reached. Fire and forget: `notify` returns at once and never throws; a delivery is
 * retried with exponential backoff on network errors, timeouts, 408, 429 and 5xx, and given up (with one
 * log line) after `retries` retries. A run never waits for a webhook, except for at most `flush(timeoutMs)`
 * at exit so the last notifications are not lost.
 *
 * The URL itself can hold a secret (Slack and Discord webhooks do), so log lines name only its origin.
 */
import { UsageError } from '../errors/index.js';
import { type Redactor, redactDeep } from './redact.js';
import { terminalSafeJson } from './terminal-text.js';

export const NOTIFY_EVENTS = ['run_completed', 'run_stopped', 'feature_skipped', 'budget_reached'] as const;
export type NotifyEvent = (typeof NOTIFY_EVENTS)[number];

/** The JSON body of every POST. */
export interface NotificationPayload {
  event: NotifyEvent;
  /** The project folder, absolute. */
  project: string;
  /** ISO time of the event. */
  at: string;
  details: Record<string, unknown>;
}

export interface NotificationInput {
  event: NotifyEvent;
  project: string;
  details?: Record<string, unknown>;
  /** Now by default. */
  at?: string;
}

export interface NotifierOptions {
  url: string;
  /** The global fetch by default; tests inject their own. */
  fetch?: typeof fetch;
  /** Retries after the first attempt. Default 4 (5 attempts in all). */
  retries?: number;
  /** Delay before the first retry; doubled for each next one (500, 1000, 2000, 4000 ms by default). */
  baseDelayMs?: number;
  /** Upper bound of one delay, also of a server's Retry-After. Default 30 s. */
  maxDelayMs?: number;
  /** One request may take this long before it counts as failed. Default 10 s. */
  requestTimeoutMs?: number;
  /** Where problems are reported, one line each (a run's stderr). */
  log: (line: string) => void;
  /** `User-Agent` of the requests. */
  userAgent?: string;
  now?: () => Date;
  /**
   * Applied to every string of a payload and to every line given to `log`. A body is sent as terminal-safe
   * JSON (`terminalSafeJson`: ESC, C1 and DEL escaped), so a receiver that prints it cannot be driven.
   */
  redact?: Redactor;
}

export interface FlushResult {
  delivered: number;
  failed: number;
  /** Deliveries still pending when the timeout ran out; they are abandoned. */
  abandoned: number;
}

export interface Notifier {
  /** Queues one notification and returns at once. Never throws. */
  notify(input: NotificationInput): void;
  /**
   * Waits until every queued notification is delivered or given up, or `timeoutMs` passed; then abandons
   * what is left (pending retries are cancelled, requests aborted). Never rejects.
   */
  flush(timeoutMs: number): Promise<FlushResult>;
}

export function createNotifier(options: NotifierOptions): Notifier {
  const url = parseWebhookUrl(options.url);
  const target = url.origin;
  const doFetch = options.fetch ?? globalThis.fetch;
  const retries = Math.max(0, options.retries ?? 4);
  const baseDelayMs = Math.max(0, options.baseDelayMs ?? 500);
  const maxDelayMs = options.maxDelayMs ?? 30_000;
  const requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
  const now = options.now ?? (() => new Date());
  const redact = options.redact;
  const log = (line: string) => {
    try {
      options.log(redact === undefined ? line : redact(line));
    } catch {
      // A broken logger must not break the run either.
    }
  };

  const pending = new Set<Promise<void>>();
  const stop = new AbortController();
  const counts = { delivered: 0, failed: 0 };

  const wait = (ms: number) =>
    new Promise<void>((done) => {
      if (stop.signal.aborted) return done();
      const timer = setTimeout(finish, ms);
      // A pending retry does not keep the process alive; flush() does, for as long as it is given.
      timer.unref?.();
      stop.signal.addEventListener('abort', finish, { once: true });
      function finish() {
        clearTimeout(timer);
        stop.signal.removeEventListener('abort', finish);
        done();
      }
    });

  const attempt = async (
    body: string,
  ): Promise<{ ok: true } | { ok: false; retry: boolean; why: string; retryAfterMs?: number }> => {
    const signal = AbortSignal.any([stop.signal, AbortSignal.timeout(requestTimeoutMs)]);
    try {
      const response = await doFetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': options.userAgent ?? 'claude-harness',
        },
        body,
        signal,
      });
      // Drain the body so the connection can be reused or closed.
      await response.arrayBuffer().catch(() => undefined);
      if (response.ok) return { ok: true };
      const retry = response.status === 408 || response.status === 429 || response.status >= 500;
      const result: { ok: false; retry: boolean; why: string; retryAfterMs?: number } = {
        ok: false,
        retry,
        why: `HTTP ${response.status}`,
      };
      const retryAfter = parseRetryAfter(response.headers.get('retry-after'), now());
      if (retryAfter !== undefined) result.retryAfterMs = retryAfter;
      return result;
    } catch (error) {
      const why =
        (error as Error)?.name === 'TimeoutError'
          ? `no answer within ${requestTimeoutMs} ms`
          : describeNetworkError(error);
      return { ok: false, retry: true, why };
    }
  };

  const deliver = async (payload: NotificationPayload): Promise<void> => {
    const body = terminalSafeJson(redact === undefined ? payload : redactDeep(payload, redact));
    // Start after the caller's current step: the first fetch() of a process loads its HTTP client, which
    // takes a moment that notify() must not cost the caller.
    await new Promise<void>((done) => setImmediate(done));
    for (let n = 0; ; n++) {
      if (stop.signal.aborted) return;
      const result = await attempt(body);
      if (result.ok) {
        counts.delivered++;
        if (n > 0) log(`webhook ${target}: ${payload.event} delivered after ${n + 1} attempts`);
        return;
      }
      if (stop.signal.aborted) return;
      if (!result.retry || n >= retries) {
        counts.failed++;
        log(
          `webhook ${target}: ${payload.event} not delivered (${result.why}${n > 0 ? ` after ${n + 1} attempts` : ''}); the run goes on`,
        );
        return;
      }
      const backoff = Math.min(maxDelayMs, baseDelayMs * 2 ** n);
      const delay = Math.min(maxDelayMs, Math.max(backoff, result.retryAfterMs ?? 0));
      await wait(delay);
    }
  };

  return {
    notify(input) {
      try {
        const payload: NotificationPayload = {
          event: input.event,
          project: input.project,
          at: input.at ?? now().toISOString(),
          details: input.details ?? {},
        };
        const delivery = deliver(payload).catch((error: unknown) => {
          counts.failed++;
          log(`webhook ${target}: ${input.event} not delivered (${String(error)})`);
        });
        pending.add(delivery);
        void delivery.finally(() => pending.delete(delivery));
      } catch (error) {
        log(`webhook ${target}: ${input.event} not sent (${String(error)})`);
      }
    },
    async flush(timeoutMs) {
      const all = Promise.allSettled([...pending]);
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        all.then(() => false),
        new Promise<boolean>((done) => {
          timer = setTimeout(() => done(true), Math.max(0, timeoutMs));
        }),
      ]);
      clearTimeout(timer);
      let abandoned = 0;
      if (timedOut) {
        abandoned = pending.size;
        stop.abort();
        await all;
        if (abandoned > 0) {
          log(`webhook ${target}: ${abandoned} notification${abandoned === 1 ? '' : 's'} abandoned at exit`);
        }
      }
      return { delivered: counts.delivered, failed: counts.failed, abandoned };
    },
  };
}

/** Checks a webhook URL (http or https); throws a UsageError (exit 2) saying what is wrong. */
export function parseWebhookUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError('--notify-url is not a valid URL: expected http://… or https://…');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`--notify-url must start with http:// or https://, not ${url.protocol}`);
  }
  return url;
}

/** Retry-After in seconds or as an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: Date): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now.getTime());
}

function describeNetworkError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } } | null)?.cause;
  if (cause?.code) return cause.code;
  if (cause?.message) return cause.message;
  return error instanceof Error ? error.message : String(error);
}
