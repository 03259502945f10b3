import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors/index.js';
import { createNotifier, type NotificationPayload, parseRetryAfter } from '../../src/report/notify.js';
import { createRedactor } from '../../src/report/redact.js';
import { GITHUB_TOKEN } from '../guards/secrets/fixtures.js';

interface Receiver {
  url: string;
  requests: { at: number; body: NotificationPayload; headers: IncomingMessage['headers'] }[];
  close(): Promise<void>;
}

/** A webhook receiver on 127.0.0.1 that answers `status(n)` to the n-th request (1-based). */
async function receiver(
  status: (n: number) => number,
  headers: Record<string, string> = {},
): Promise<Receiver> {
  const requests: Receiver['requests'] = [];
  const server: Server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      text += chunk;
    });
    req.on('end', () => {
      requests.push({ at: Date.now(), body: JSON.parse(text) as NotificationPayload, headers: req.headers });
      res.writeHead(status(requests.length), headers).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  open.push(server);
  return {
    url: `http://127.0.0.1:${port}/hooks/secret-token-123`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const open: Server[] = [];
afterEach(async () => {
  for (const server of open.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

function logger() {
  const lines: string[] = [];
  return { lines, log: (line: string) => lines.push(line) };
}

describe('createNotifier', () => {
  it('sends a body redacted, with ESC and C1 escaped, so a receiver that prints it cannot be driven', async () => {
    let raw = '';
    const fetch: typeof globalThis.fetch = async (_url, init) => {
      raw = String(init?.body);
      return new Response(null, { status: 204 });
    };
    const notifier = createNotifier({
      url: 'https://hooks.example/x',
      fetch,
      log: () => {},
      redact: createRedactor({ env: {} }),
    });
    notifier.notify({
      event: 'feature_skipped',
      project: '/p',
      details: { reason: `gave up: ${GITHUB_TOKEN} \u001b]52;c;eA==\u0007 \u009b2J` },
    });
    await notifier.flush(5_000);
    expect(raw).not.toContain(GITHUB_TOKEN);
    expect(raw).toContain('[REDACTED:github-token]');
    // biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point
    expect(raw).not.toMatch(/[\u001b\u0080-\u009f]/);
    expect((JSON.parse(raw) as NotificationPayload).details.reason).toContain('\u009b2J');
  });

  it('retries with exponential backoff until the receiver accepts, without blocking the caller', async () => {
    const rx = await receiver((n) => (n <= 3 ? 503 : 200));
    const { lines, log } = logger();
    const notifier = createNotifier({ url: rx.url, baseDelayMs: 50, log });
    const started = Date.now();
    notifier.notify({
      event: 'feature_skipped',
      project: '/work/app',
      details: { featureId: 'F012', reason: '3 failed attempts' },
      at: '2026-11-20T09:00:00.000Z',
    });
    // notify() returned before any request reached the receiver.
    expect(rx.requests).toHaveLength(0);
    expect(Date.now() - started).toBeLessThan(50);

    const result = await notifier.flush(5_000);
    expect(result).toEqual({ delivered: 1, failed: 0, abandoned: 0 });
    expect(rx.requests).toHaveLength(4);
    for (const request of rx.requests) {
      expect(request.body).toEqual({
        event: 'feature_skipped',
        project: '/work/app',
        at: '2026-11-20T09:00:00.000Z',
        details: { featureId: 'F012', reason: '3 failed attempts' },
      });
      expect(request.headers['content-type']).toBe('application/json');
    }
    // Waits of 50, 100 and 200 ms between the attempts (timers may fire a little late, never early).
    const gaps = rx.requests.slice(1).map((r, i) => r.at - (rx.requests[i]?.at ?? 0));
    expect(gaps[0]).toBeGreaterThanOrEqual(45);
    expect(gaps[1]).toBeGreaterThanOrEqual(95);
    expect(gaps[2]).toBeGreaterThanOrEqual(195);
    expect(lines).toEqual([`webhook ${new URL(rx.url).origin}: feature_skipped delivered after 4 attempts`]);
  });

  it('gives up after the retries, with one line that does not show the URL', async () => {
    const rx = await receiver(() => 500);
    const { lines, log } = logger();
    const notifier = createNotifier({ url: rx.url, retries: 2, baseDelayMs: 5, log });
    notifier.notify({ event: 'run_completed', project: '/p' });
    expect(await notifier.flush(5_000)).toEqual({ delivered: 0, failed: 1, abandoned: 0 });
    expect(rx.requests).toHaveLength(3);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('run_completed not delivered (HTTP 500 after 3 attempts); the run goes on');
    expect(lines.join('\n')).not.toContain('secret-token-123');
  });

  it('does not retry a request the receiver rejects (4xx other than 408 and 429)', async () => {
    const rx = await receiver(() => 404);
    const { lines, log } = logger();
    const notifier = createNotifier({ url: rx.url, baseDelayMs: 5, log });
    notifier.notify({ event: 'run_stopped', project: '/p' });
    expect(await notifier.flush(5_000)).toMatchObject({ delivered: 0, failed: 1 });
    expect(rx.requests).toHaveLength(1);
    expect(lines[0]).toContain('HTTP 404');
  });

  it("retries 429 after the receiver's Retry-After", async () => {
    const rx = await receiver((n) => (n === 1 ? 429 : 200), { 'retry-after': '1' });
    const notifier = createNotifier({ url: rx.url, baseDelayMs: 5, log: () => {} });
    notifier.notify({ event: 'budget_reached', project: '/p', details: { spentUsd: 10, budgetUsd: 10 } });
    expect(await notifier.flush(5_000)).toMatchObject({ delivered: 1 });
    expect(rx.requests).toHaveLength(2);
    expect((rx.requests[1]?.at ?? 0) - (rx.requests[0]?.at ?? 0)).toBeGreaterThanOrEqual(950);
  });

  it('retries network errors (nothing listening) and never throws into the caller', async () => {
    const rx = await receiver(() => 200);
    await rx.close();
    const { lines, log } = logger();
    const notifier = createNotifier({ url: rx.url, retries: 2, baseDelayMs: 5, log });
    expect(() => notifier.notify({ event: 'run_completed', project: '/p' })).not.toThrow();
    expect(await notifier.flush(5_000)).toEqual({ delivered: 0, failed: 1, abandoned: 0 });
    expect(lines[0]).toMatch(/not delivered \(ECONNREFUSED after 3 attempts\)/);
  });

  it('survives a fetch that throws at once and a logger that throws', async () => {
    let calls = 0;
    const notifier = createNotifier({
      url: 'https://hooks.example.com/x',
      retries: 1,
      baseDelayMs: 1,
      fetch: (() => {
        calls++;
        throw new TypeError('boom');
      }) as unknown as typeof fetch,
      log: () => {
        throw new Error('logger broke');
      },
    });
    expect(() => notifier.notify({ event: 'run_stopped', project: '/p' })).not.toThrow();
    expect(await notifier.flush(1_000)).toEqual({ delivered: 0, failed: 1, abandoned: 0 });
    expect(calls).toBe(2);
  });

  it('abandons what is left when flush times out, and does not keep the process waiting', async () => {
    const rx = await receiver(() => 503);
    const { lines, log } = logger();
    const notifier = createNotifier({ url: rx.url, baseDelayMs: 10_000, log });
    notifier.notify({ event: 'run_stopped', project: '/p' });
    notifier.notify({ event: 'run_completed', project: '/p' });
    const started = Date.now();
    expect(await notifier.flush(300)).toEqual({ delivered: 0, failed: 0, abandoned: 2 });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(lines.at(-1)).toContain('2 notifications abandoned at exit');
  });

  it('aborts a request that hangs past requestTimeoutMs and retries it', async () => {
    let n = 0;
    const server = createServer((_req, res) => {
      n++;
      if (n === 1) return; // never answers
      res.writeHead(204).end();
    });
    open.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const notifier = createNotifier({
      url: `http://127.0.0.1:${port}/`,
      baseDelayMs: 5,
      requestTimeoutMs: 200,
      log: () => {},
    });
    notifier.notify({ event: 'run_completed', project: '/p' });
    expect(await notifier.flush(5_000)).toMatchObject({ delivered: 1 });
    expect(n).toBe(2);
  });

  it('rejects a URL that is not http(s) when it is configured (exit 2)', () => {
    expect(() => createNotifier({ url: 'not a url', log: () => {} })).toThrow(UsageError);
    expect(() => createNotifier({ url: 'ftp://example.com/x', log: () => {} })).toThrow(
      '--notify-url must start with http:// or https://, not ftp:',
    );
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    const now = new Date('2026-11-20T09:00:00.000Z');
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter('Fri, 20 Nov 2026 09:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });
});
