/**
 * A fake Anthropic Messages API on 127.0.0.1 that plays a scenario (see `scenario.ts`), for driving the real
 * Claude Code CLI (through `@anthropic-ai/claude-agent-sdk`) or any Anthropic client without a model.
 *
 * This module is the HTTP plumbing and the `FakeAnthropicServer` object. How a request is answered is in
 * `handler.ts`, how it finds its scenario turn in `conversations.ts`; docs/fake-model.md has the user's view.
 */

import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { ConversationRouter } from './conversations.js';
import { createHandler } from './handler.js';
import type { RecordedRequest } from './recording.js';
import type { Schedule } from './respond.js';
import type { Scenario } from './scenario.js';
import { type FakeAnthropicProgress, TurnLedger } from './turn-ledger.js';
import { errorBody, idSource } from './wire.js';

export interface StartFakeAnthropicOptions {
  scenario: Scenario;
  /** 0 or omitted: a free port. */
  port?: number;
  /** Replaces `{{name}}` in text blocks, tool_use inputs and expectations at play time. */
  variables?: Record<string, string>;
  /** Receives one line per request and one per failure. */
  log?: (line: string) => void;
  /**
   * Keep each request's raw body in its record (`body`), so a test can search everything the model was sent
   * (e.g. for a credential that must never reach it). Off by default: bodies are large.
   */
  recordBodies?: boolean;
}

export interface FakeAnthropicServer {
  /** `http://127.0.0.1:PORT`, to use as ANTHROPIC_BASE_URL. */
  readonly url: string;
  readonly port: number;
  readonly scenario: Scenario;
  readonly requests: RecordedRequest[];
  /** Unmet expectations, requests beyond the scenario, unknown variables, unparsable requests. */
  readonly failures: string[];
  progress(): FakeAnthropicProgress;
  /** Human-readable list of unplayed turns (`session "x" turn 2`). */
  unplayedTurns(): string[];
  /** Throws an Error listing failures and unplayed turns, if any. */
  assertComplete(): void;
  /** Stops listening and destroys every connection, hanging streams included. */
  close(): Promise<void>;
}

async function listen(server: Server, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string')
    throw new Error('fake model: the server has no TCP address');
  return address.port;
}

export async function startFakeAnthropic(options: StartFakeAnthropicOptions): Promise<FakeAnthropicServer> {
  const { scenario } = options;
  const log = options.log ?? (() => {});
  const requests: RecordedRequest[] = [];
  const failures: string[] = [];
  const ledger = new TurnLedger(scenario);
  const router = new ConversationRouter(ledger);
  // Tracked so close() can cut hanging streams and cancel their stalls instead of waiting for them.
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();

  const schedule: Schedule = (ms, fn) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
    return () => {
      clearTimeout(timer);
      timers.delete(timer);
    };
  };
  const fail = (message: string) => {
    if (!failures.includes(message)) failures.push(message);
    log(`FAILURE: ${message}`);
  };
  const handle = createHandler({
    variables: options.variables ?? {},
    log,
    fail,
    requests,
    recordBodies: options.recordBodies ?? false,
    ledger,
    router,
    nextId: idSource(),
    schedule,
  });

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      log(`internal error: ${error instanceof Error ? error.message : String(error)}`);
      if (!res.headersSent && !res.destroyed) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(errorBody('api_error', 'fake model: internal error', 'req_fake_internal'));
      } else {
        res.destroy();
      }
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const port = await listen(server, options.port ?? 0);

  const unplayedTurns = () => ledger.unplayedTurns();
  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    scenario,
    requests,
    failures,
    progress: () => ledger.progress(router.current),
    unplayedTurns,
    assertComplete() {
      const problems = [...failures, ...unplayedTurns()];
      if (problems.length > 0) {
        throw new Error(
          `fake model scenario "${scenario.name}" did not complete:\n${problems.map((p) => `- ${p}`).join('\n')}`,
        );
      }
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        server.close(() => resolve());
        server.closeAllConnections();
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}
