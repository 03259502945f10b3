/**
 * A fake Anthropic Messages API on 127.0.0.1 that plays a scenario (see `scenario.ts`), for driving the real
 * Claude Code CLI (through `@anthropic-ai/claude-agent-sdk`) or any Anthropic client without a model.
 *
 * Routes: `POST /v1/messages` (query string ignored; streamed SSE when `stream: true`, else a JSON Message),
 * `POST /v1/messages/count_tokens`, anything else 404 with an Anthropic error body.
 *
 * Request classification:
 * - A request without tools is a side request of the CLI (title generation and the like): it gets a short
 *   fixed text and consumes no scenario turn.
 * - A request with tools is an agent request. Its turn index is the number of assistant messages in
 *   `messages` (the CLI may prepend environment / system-reminder user messages, so message counts mean
 *   nothing). A request with no assistant message starts a new conversation, which takes the next scenario
 *   session - unless the current session's first turn has not been delivered yet, in which case it is a retry
 *   of that turn. A turn is delivered when its whole response has been written; a faulted or cut-off attempt
 *   does not count, so a retry replays the same turn.
 * - Conversation ids: Claude Code 2.1.x sends an `X-Claude-Code-Session-Id` header (one id per CLI session)
 *   and, for subagents, `x-claude-code-agent-id`; `metadata.user_id` carries the same session id (JSON with
 *   `session_id`, or older `…_session_<uuid>` strings). When an id is present the server uses it to route
 *   follow-up requests (assistant count > 0) of interleaved conversations to their own scenario session.
 *   Verified with Claude Code 2.1.332: a subagent's requests carry the parent's session id plus the agent id, and
 *   the Agent tool runs in the background, so the main conversation's next request arrives after the
 *   subagent's; without the id the main conversation would be routed to the subagent's session.
 * - Claude Code 2.1.332 also sends `role: "system"` messages inside `messages` (the environment block); they
 *   are neither user nor assistant messages here.
 */

import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { FaultType, Scenario, ScenarioContentBlock, ScenarioExpect, ScenarioTurn } from './scenario.js';

export interface StartFakeAnthropicOptions {
  scenario: Scenario;
  /** 0 or omitted: a free port. */
  port?: number;
  /** Replaces `{{name}}` in text blocks, tool_use inputs and expectations at play time. */
  variables?: Record<string, string>;
  /** Receives one line per request and one per failure. */
  log?: (line: string) => void;
}

export type RequestKind = 'agent' | 'side' | 'count_tokens' | 'other';

export type RequestOutcome =
  /** A scenario turn was answered completely. */
  | 'played'
  /** A scenario turn was answered with the FAKE MODEL EXPECTATION FAILED text. */
  | 'expectation_failed'
  /** A fault was injected (the turn is still to be played). */
  | 'fault'
  /** The request went beyond the scenario. */
  | 'beyond_scenario'
  /** The client went away before the response was complete. */
  | 'client_closed'
  /** A side request, a token count, a 404 or a bad request. */
  | 'answered'
  /** Still in progress. */
  | 'pending';

export interface RecordedRequest {
  /** 1-based sequence number. */
  seq: number;
  /** ISO timestamp of arrival. */
  at: string;
  method: string;
  /** Path without the query string. */
  path: string;
  stream: boolean;
  model: string | undefined;
  systemChars: number;
  toolNames: string[];
  messageCount: number;
  assistantMessageCount: number;
  /** chars/4 of the JSON of system + messages + tools. */
  estimatedInputTokens: number;
  /** Index into `scenario.sessions` (agent requests that matched a session). */
  sessionIndex: number | undefined;
  /** Index into that session's `turns`. */
  turnIndex: number | undefined;
  kind: RequestKind;
  fault?: FaultType;
  /** Conversation id taken from the headers / metadata, if the client sent one. */
  conversationId?: string;
  /** HTTP status sent; 0 for a reset or while pending. */
  status: number;
  outcome: RequestOutcome;
  /** A safe subset of the request headers (no credentials). */
  headers: Record<string, string>;
}

export interface FakeAnthropicProgress {
  /** The session whose turn comes next, or `undefined` once no further turn is expected. */
  sessionIndex: number | undefined;
  sessionName: string | undefined;
  turnIndex: number | undefined;
  totalTurns: number;
  playedTurns: number;
  remainingTurns: number;
  /** Every turn of every session has been played. */
  done: boolean;
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

export const BEYOND_SCENARIO_TEXT = 'fake model: the scenario has no more turns';
export const SIDE_REQUEST_TEXT = 'fake model: side request';
export const EXPECTATION_FAILED_PREFIX = 'FAKE MODEL EXPECTATION FAILED:';

const RECORDED_HEADERS = new Set([
  'user-agent',
  'anthropic-version',
  'anthropic-beta',
  'x-app',
  'x-stainless-retry-count',
  'x-stainless-timeout',
  'x-stainless-helper-method',
]);
const SECRET_HEADER = /auth|key|token|secret|credential|signature|cookie/i;
const VARIABLE = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

interface SessionState {
  played: boolean[];
  faultsFired: number[];
}

type JsonObject = Record<string, unknown>;

interface OutBlock {
  type: 'text' | 'tool_use';
  text?: string;
  id?: string;
  name?: string;
  input?: unknown;
}

interface Reply {
  content: OutBlock[];
  stopReason: string;
  usage: { input_tokens: number; output_tokens: number };
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .filter((b): b is JsonObject => isObject(b) && b.type === 'text' && typeof b.text === 'string')
    .map((b) => b.text as string)
    .join('\n');
}

function estimateTokens(chars: number): number {
  return Math.max(1, Math.ceil(chars / 4));
}

function errorBody(type: string, message: string, requestId: string): string {
  return JSON.stringify({ type: 'error', error: { type, message }, request_id: requestId });
}

/** Conversation id from `X-Claude-Code-Session-Id` (+ subagent id) or `metadata.user_id`. */
function conversationIdOf(req: IncomingMessage, body: JsonObject): string | undefined {
  let session = headerValue(req, 'x-claude-code-session-id');
  if (session === undefined && isObject(body.metadata) && typeof body.metadata.user_id === 'string') {
    const userId = body.metadata.user_id;
    try {
      const parsed: unknown = JSON.parse(userId);
      if (isObject(parsed) && typeof parsed.session_id === 'string') session = parsed.session_id;
    } catch {
      session = /_session_([0-9A-Za-z-]{8,})/.exec(userId)?.[1];
    }
  }
  if (session === undefined) return undefined;
  const agent = headerValue(req, 'x-claude-code-agent-id');
  return agent === undefined ? session : `${session}/${agent}`;
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  if (Array.isArray(value)) return value.join(', ');
  return value === undefined || value === '' ? undefined : value;
}

function recordedHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    const keep =
      RECORDED_HEADERS.has(name) || (name.startsWith('x-claude-code-') && !SECRET_HEADER.test(name));
    if (keep) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/** Splits a string into at most `parts` non-empty chunks (a real stream delivers text in pieces). */
function chunks(text: string, parts = 2): string[] {
  if (text.length < 2) return [text];
  const size = Math.ceil(text.length / parts);
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

export async function startFakeAnthropic(options: StartFakeAnthropicOptions): Promise<FakeAnthropicServer> {
  const { scenario } = options;
  const variables = options.variables ?? {};
  const log = options.log ?? (() => {});
  const requests: RecordedRequest[] = [];
  const failures: string[] = [];
  const states: SessionState[] = scenario.sessions.map((s) => ({
    played: s.turns.map(() => false),
    faultsFired: s.turns.map(() => 0),
  }));
  const conversationSessions = new Map<string, number>();
  /** Index of the session most recently started; -1 before the first; sessions.length once past the end. */
  let cursor = -1;
  let seq = 0;
  let idCounter = 0;
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();

  const nextId = (prefix: string) => `${prefix}${(++idCounter).toString().padStart(6, '0')}`;

  const sessionLabel = (index: number) =>
    `session ${index + 1} "${scenario.sessions[index]?.name ?? '?'}" (of ${scenario.sessions.length})`;

  function fail(message: string): void {
    if (!failures.includes(message)) failures.push(message);
    log(`FAILURE: ${message}`);
  }

  function substitute(text: string, where: string, problems: string[]): string {
    return text.replace(VARIABLE, (whole, name: string) => {
      const value = variables[name];
      if (value !== undefined) return value;
      problems.push(`unknown variable {{${name}}} in ${where}; pass it in the server's variables`);
      return whole;
    });
  }

  function substituteDeep(value: unknown, where: string, problems: string[]): unknown {
    if (typeof value === 'string') return substitute(value, where, problems);
    if (Array.isArray(value)) return value.map((v) => substituteDeep(v, where, problems));
    if (isObject(value)) {
      const out: JsonObject = {};
      for (const [k, v] of Object.entries(value)) out[k] = substituteDeep(v, where, problems);
      return out;
    }
    return value;
  }

  /** Which scenario session an agent request belongs to; `undefined` beyond the scenario. */
  function route(assistantCount: number, conversationId: string | undefined): number | undefined {
    const bind = (index: number) => {
      if (conversationId !== undefined && index < scenario.sessions.length) {
        conversationSessions.set(conversationId, index);
      }
      return index < scenario.sessions.length ? index : undefined;
    };
    if (conversationId !== undefined) {
      const known = conversationSessions.get(conversationId);
      if (known !== undefined && (assistantCount > 0 || states[known]?.played[0] === false)) return known;
    }
    if (assistantCount === 0) {
      const current = cursor >= 0 ? states[cursor] : undefined;
      if (current !== undefined && current.played[0] === false) return bind(cursor);
      if (current !== undefined) {
        const left = current.played.filter((p) => !p).length;
        if (left > 0)
          log(`${sessionLabel(cursor)} left with ${left} unplayed turn(s): a new conversation began`);
      }
      cursor = Math.min(cursor + 1, scenario.sessions.length);
      return bind(cursor);
    }
    return cursor >= 0 && cursor < scenario.sessions.length ? cursor : undefined;
  }

  function checkExpect(
    expect: ScenarioExpect,
    body: JsonObject,
    where: string,
    problems: string[],
  ): string[] {
    const unmet: string[] = [];
    const messages = Array.isArray(body.messages) ? body.messages.filter(isObject) : [];
    const str = (s: string) => substitute(s, `${where} expect`, problems);
    const clip = (s: string) => JSON.stringify(s.length > 300 ? `${s.slice(0, 300)}…` : s);

    if (expect.lastToolResultContains !== undefined || expect.lastToolResultIsError !== undefined) {
      let last: JsonObject | undefined;
      for (const message of messages) {
        if (message.role !== 'user' || !Array.isArray(message.content)) continue;
        for (const block of message.content)
          if (isObject(block) && block.type === 'tool_result') last = block;
      }
      if (last === undefined) {
        unmet.push('expected a tool_result block, but the request has none');
      } else {
        const text = textOf(last.content);
        if (expect.lastToolResultContains !== undefined) {
          const wanted = str(expect.lastToolResultContains);
          if (!text.includes(wanted)) {
            unmet.push(`expected the last tool_result to contain ${clip(wanted)}, got ${clip(text)}`);
          }
        }
        if (
          expect.lastToolResultIsError !== undefined &&
          (last.is_error === true) !== expect.lastToolResultIsError
        ) {
          unmet.push(
            `expected the last tool_result to have is_error ${expect.lastToolResultIsError}, got ${last.is_error === true} (${clip(text)})`,
          );
        }
      }
    }
    if (expect.systemContains !== undefined) {
      const wanted = str(expect.systemContains);
      const system = textOf(body.system);
      if (!system.includes(wanted)) {
        unmet.push(
          `expected the system prompt to contain ${clip(wanted)} (system prompt has ${system.length} chars)`,
        );
      }
    }
    if (expect.toolsInclude !== undefined) {
      const names = toolNamesOf(body);
      const missing = expect.toolsInclude.map(str).filter((n) => !names.includes(n));
      if (missing.length > 0) {
        unmet.push(`expected tools ${missing.join(', ')}, the request offers ${names.join(', ') || 'none'}`);
      }
    }
    if (expect.userMessageContains !== undefined) {
      const wanted = str(expect.userMessageContains);
      const userText = messages
        .filter((m) => m.role === 'user')
        .map((m) => textOf(m.content))
        .join('\n');
      if (!userText.includes(wanted)) {
        unmet.push(`expected a user message containing ${clip(wanted)}, got ${clip(userText)}`);
      }
    }
    return unmet;
  }

  function buildTurnReply(
    turn: ScenarioTurn,
    body: JsonObject,
    sessionIndex: number,
    turnIndex: number,
    estimatedInput: number,
  ): { reply: Reply; expectationFailed: boolean } {
    const where = `${sessionLabel(sessionIndex)} turn ${turnIndex + 1}`;
    const problems: string[] = [];
    const unmet = turn.expect ? checkExpect(turn.expect, body, where, problems) : [];
    const content: OutBlock[] = turn.content.map((block: ScenarioContentBlock, blockIndex) =>
      block.type === 'text'
        ? { type: 'text', text: substitute(block.text, `${where} content[${blockIndex}]`, problems) }
        : {
            type: 'tool_use',
            id: block.id ?? nextId('toolu_fake_'),
            name: block.name,
            input: substituteDeep(
              block.input,
              `${where} content[${blockIndex}] (${block.name} input)`,
              problems,
            ),
          },
    );
    for (const problem of problems) fail(problem);
    if (unmet.length > 0) {
      const message = `${where}: ${unmet.join('; ')}`;
      fail(message);
      const text = `${EXPECTATION_FAILED_PREFIX} ${message}`;
      return {
        reply: {
          content: [{ type: 'text', text }],
          stopReason: 'end_turn',
          usage: usageFor(turn, estimatedInput, text),
        },
        expectationFailed: true,
      };
    }
    const stopReason =
      turn.stopReason ?? (content.some((b) => b.type === 'tool_use') ? 'tool_use' : 'end_turn');
    return {
      reply: { content, stopReason, usage: usageFor(turn, estimatedInput, JSON.stringify(content)) },
      expectationFailed: false,
    };
  }

  function usageFor(turn: ScenarioTurn | undefined, estimatedInput: number, output: string) {
    return {
      input_tokens: turn?.usage?.input_tokens ?? estimatedInput,
      output_tokens: turn?.usage?.output_tokens ?? estimateTokens(output.length),
    };
  }

  function textReply(text: string, estimatedInput: number): Reply {
    return {
      content: [{ type: 'text', text }],
      stopReason: 'end_turn',
      usage: usageFor(undefined, estimatedInput, text),
    };
  }

  function messageObject(id: string, model: string, reply: Reply, content: unknown[]) {
    return {
      id,
      type: 'message',
      role: 'assistant',
      model,
      content,
      stop_reason: content.length === 0 ? null : reply.stopReason,
      stop_sequence: null,
      usage: {
        input_tokens: reply.usage.input_tokens,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
        output_tokens: content.length === 0 ? 1 : reply.usage.output_tokens,
        service_tier: 'standard',
      },
    };
  }

  function wireBlocks(reply: Reply): JsonObject[] {
    return reply.content.map((b) =>
      b.type === 'text'
        ? { type: 'text', text: b.text ?? '' }
        : { type: 'tool_use', id: b.id, name: b.name, input: b.input ?? {} },
    );
  }

  function later(ms: number, fn: () => void): NodeJS.Timeout {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
    return timer;
  }

  /** Sends a reply, streamed or not; `hangSeconds` stalls after message_start. Resolves once finished. */
  function sendReply(
    res: ServerResponse,
    record: RecordedRequest,
    model: string,
    reply: Reply,
    requestId: string,
    hangSeconds: number,
    onDone: (completed: boolean) => void,
  ): void {
    const messageId = nextId('msg_fake_');
    let finished = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (completed: boolean) => {
      if (finished) return;
      finished = true;
      if (timer !== undefined) {
        clearTimeout(timer);
        timers.delete(timer);
      }
      onDone(completed);
    };
    res.on('finish', () => finish(true));
    res.on('close', () => finish(res.writableFinished));

    const stall = (fn: () => void) => {
      if (hangSeconds > 0) timer = later(hangSeconds * 1000, () => !res.destroyed && fn());
      else fn();
    };

    if (!record.stream) {
      stall(() => {
        record.status = 200;
        res.writeHead(200, { 'content-type': 'application/json', 'request-id': requestId });
        res.end(JSON.stringify(messageObject(messageId, model, reply, wireBlocks(reply))));
      });
      return;
    }

    record.status = 200;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      'request-id': requestId,
    });
    const send = (event: string, data: JsonObject) =>
      res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    send('message_start', { type: 'message_start', message: messageObject(messageId, model, reply, []) });
    send('ping', { type: 'ping' });
    stall(() => {
      reply.content.forEach((block, index) => {
        if (block.type === 'text') {
          send('content_block_start', {
            type: 'content_block_start',
            index,
            content_block: { type: 'text', text: '' },
          });
          for (const piece of chunks(block.text ?? '')) {
            send('content_block_delta', {
              type: 'content_block_delta',
              index,
              delta: { type: 'text_delta', text: piece },
            });
          }
        } else {
          send('content_block_start', {
            type: 'content_block_start',
            index,
            content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} },
          });
          for (const piece of ['', ...chunks(JSON.stringify(block.input ?? {}))]) {
            send('content_block_delta', {
              type: 'content_block_delta',
              index,
              delta: { type: 'input_json_delta', partial_json: piece },
            });
          }
        }
        send('content_block_stop', { type: 'content_block_stop', index });
      });
      send('message_delta', {
        type: 'message_delta',
        delta: { stop_reason: reply.stopReason, stop_sequence: null },
        usage: {
          input_tokens: reply.usage.input_tokens,
          cache_creation_input_tokens: 0,
          cache_read_input_tokens: 0,
          output_tokens: reply.usage.output_tokens,
        },
      });
      send('message_stop', { type: 'message_stop' });
      res.end();
    });
  }

  function sendError(
    res: ServerResponse,
    status: number,
    type: string,
    message: string,
    requestId: string,
    extra: Record<string, string> = {},
  ) {
    res.writeHead(status, { 'content-type': 'application/json', 'request-id': requestId, ...extra });
    res.end(errorBody(type, message, requestId));
  }

  function injectFault(
    fault: NonNullable<ScenarioTurn['fault']>,
    req: IncomingMessage,
    res: ServerResponse,
    record: RecordedRequest,
    model: string,
    requestId: string,
  ): void {
    const message = `fake model: injected ${fault.type} fault`;
    switch (fault.type) {
      case 'rate_limit':
        record.status = 429;
        sendError(res, 429, 'rate_limit_error', message, requestId, {
          'retry-after': String(fault.retryAfterSeconds),
        });
        return;
      case 'server_error':
        record.status = 500;
        sendError(res, 500, 'api_error', message, requestId);
        return;
      case 'overloaded':
        record.status = 529;
        sendError(res, 529, 'overloaded_error', message, requestId);
        return;
      case 'reset':
        record.status = 0;
        req.socket.destroy();
        return;
      case 'malformed_sse': {
        record.status = 200;
        if (!record.stream) {
          res.writeHead(200, { 'content-type': 'application/json', 'request-id': requestId });
          res.end('{"id": "msg_fake_broken", "type": "message", "content": [');
          return;
        }
        res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'request-id': requestId });
        const start = messageObject(nextId('msg_fake_'), model, textReply('', 0), []);
        res.write(
          `event: message_start\ndata: ${JSON.stringify({ type: 'message_start', message: start })}\n\n`,
        );
        res.write(
          'event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_blo\n\n',
        );
        res.end();
        return;
      }
      case 'hang':
        return; // handled by the caller: the turn plays after the stall
    }
  }

  function toolNamesOf(body: JsonObject): string[] {
    if (!Array.isArray(body.tools)) return [];
    return body.tools
      .filter(isObject)
      .map((t) => (typeof t.name === 'string' ? t.name : String(t.type ?? '?')));
  }

  async function readBody(req: IncomingMessage): Promise<string> {
    const parts: Buffer[] = [];
    for await (const chunk of req) parts.push(chunk as Buffer);
    return Buffer.concat(parts).toString('utf8');
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const method = req.method ?? 'GET';
    const requestId = `req_fake_${randomUUID().replaceAll('-', '')}`;
    const raw = await readBody(req);
    const record: RecordedRequest = {
      seq: ++seq,
      at: new Date().toISOString(),
      method,
      path,
      stream: false,
      model: undefined,
      systemChars: 0,
      toolNames: [],
      messageCount: 0,
      assistantMessageCount: 0,
      estimatedInputTokens: 0,
      sessionIndex: undefined,
      turnIndex: undefined,
      kind: 'other',
      status: 0,
      outcome: 'pending',
      headers: recordedHeaders(req),
    };
    requests.push(record);
    const logLine = (what: string) => log(`#${record.seq} ${method} ${path} ${what}`);

    const isMessages = path === '/v1/messages';
    const isCount = path === '/v1/messages/count_tokens';
    if (method !== 'POST' || (!isMessages && !isCount)) {
      record.status = 404;
      record.outcome = 'answered';
      logLine('→ 404');
      sendError(res, 404, 'not_found_error', `fake model: no route for ${method} ${path}`, requestId);
      return;
    }

    let body: JsonObject;
    try {
      const parsed: unknown = JSON.parse(raw);
      if (!isObject(parsed)) throw new Error('the body is not a JSON object');
      body = parsed;
    } catch (error) {
      record.status = 400;
      record.outcome = 'answered';
      const message = `request #${record.seq} to ${path} has an unparsable JSON body: ${(error as Error).message}`;
      fail(message);
      sendError(res, 400, 'invalid_request_error', `fake model: ${message}`, requestId);
      return;
    }

    const messages = Array.isArray(body.messages) ? body.messages : [];
    const system = body.system;
    record.model = typeof body.model === 'string' ? body.model : undefined;
    record.stream = body.stream === true;
    record.toolNames = toolNamesOf(body);
    record.systemChars = textOf(system).length;
    record.messageCount = messages.length;
    record.assistantMessageCount = messages.filter((m) => isObject(m) && m.role === 'assistant').length;
    record.estimatedInputTokens = estimateTokens(
      (JSON.stringify(system ?? '') + JSON.stringify(messages) + JSON.stringify(body.tools ?? [])).length,
    );
    const model = record.model ?? 'claude-fake';
    const conversationId = conversationIdOf(req, body);
    if (conversationId !== undefined) record.conversationId = conversationId;

    if (isCount) {
      record.kind = 'count_tokens';
      record.status = 200;
      record.outcome = 'answered';
      logLine(`count_tokens → ${record.estimatedInputTokens}`);
      res.writeHead(200, { 'content-type': 'application/json', 'request-id': requestId });
      res.end(JSON.stringify({ input_tokens: record.estimatedInputTokens }));
      return;
    }

    const mode = record.stream ? 'stream' : 'json';
    const answer = (reply: Reply, outcome: RequestOutcome, hang = 0, onPlayed?: () => void) =>
      sendReply(res, record, model, reply, requestId, hang, (completed) => {
        record.outcome = completed ? outcome : 'client_closed';
        if (completed) onPlayed?.();
        else logLine('client went away before the response was complete');
      });

    if (record.toolNames.length === 0) {
      record.kind = 'side';
      logLine(`side request (no tools, ${mode}) → fixed text`);
      answer(textReply(SIDE_REQUEST_TEXT, record.estimatedInputTokens), 'answered');
      return;
    }

    record.kind = 'agent';
    const sessionIndex = route(record.assistantMessageCount, conversationId);
    const session = sessionIndex === undefined ? undefined : scenario.sessions[sessionIndex];
    const state = sessionIndex === undefined ? undefined : states[sessionIndex];
    const turnIndex = record.assistantMessageCount;
    const turn = session?.turns[turnIndex];
    if (sessionIndex === undefined || session === undefined || state === undefined || turn === undefined) {
      const message =
        sessionIndex === undefined || session === undefined
          ? `request #${record.seq} starts or continues a conversation beyond the scenario's ${scenario.sessions.length} session(s)`
          : `${sessionLabel(sessionIndex)} has ${session.turns.length} turn(s), but request #${record.seq} asks for turn ${turnIndex + 1}`;
      if (sessionIndex !== undefined) record.sessionIndex = sessionIndex;
      logLine(`agent (${mode}) → beyond the scenario`);
      fail(message);
      answer(textReply(BEYOND_SCENARIO_TEXT, record.estimatedInputTokens), 'beyond_scenario');
      return;
    }
    record.sessionIndex = sessionIndex;
    record.turnIndex = turnIndex;
    const turnLabel = `${sessionLabel(sessionIndex)} turn ${turnIndex + 1}/${session.turns.length}`;

    let hang = 0;
    const fault = turn.fault;
    if (fault !== undefined && (state.faultsFired[turnIndex] ?? 0) < fault.times) {
      state.faultsFired[turnIndex] = (state.faultsFired[turnIndex] ?? 0) + 1;
      record.fault = fault.type;
      logLine(
        `agent (${mode}) ${turnLabel} → fault ${fault.type} (${state.faultsFired[turnIndex]}/${fault.times})`,
      );
      if (fault.type !== 'hang') {
        record.outcome = 'fault';
        injectFault(fault, req, res, record, model, requestId);
        return;
      }
      hang = fault.seconds;
    }

    const { reply, expectationFailed } = buildTurnReply(
      turn,
      body,
      sessionIndex,
      turnIndex,
      record.estimatedInputTokens,
    );
    const summary = reply.content
      .map((b) => (b.type === 'text' ? 'text' : `tool_use ${b.name ?? '?'}`))
      .join(', ');
    const after = hang > 0 ? ` after a ${hang} s stall` : '';
    logLine(`agent (${mode}) ${turnLabel} → ${expectationFailed ? 'EXPECTATION FAILED' : summary}${after}`);
    answer(reply, expectationFailed ? 'expectation_failed' : 'played', hang, () => {
      state.played[turnIndex] = true;
    });
  }

  const server: Server = createServer((req, res) => {
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

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string')
    throw new Error('fake model: the server has no TCP address');
  const port = address.port;

  const totalTurns = scenario.sessions.reduce((n, s) => n + s.turns.length, 0);
  const playedCount = () => states.reduce((n, s) => n + s.played.filter(Boolean).length, 0);

  function progress(): FakeAnthropicProgress {
    const playedTurns = playedCount();
    const base = { totalTurns, playedTurns, remainingTurns: totalTurns - playedTurns };
    let sessionIndex: number | undefined;
    let turnIndex: number | undefined;
    const current = cursor >= 0 ? states[cursor] : undefined;
    const lastPlayed = current ? current.played.lastIndexOf(true) : -1;
    if (current !== undefined && lastPlayed + 1 < current.played.length) {
      sessionIndex = cursor;
      turnIndex = lastPlayed + 1;
    } else if (cursor + 1 < scenario.sessions.length) {
      sessionIndex = cursor + 1;
      turnIndex = 0;
    }
    return {
      ...base,
      sessionIndex,
      sessionName: sessionIndex === undefined ? undefined : scenario.sessions[sessionIndex]?.name,
      turnIndex,
      done: base.remainingTurns === 0,
    };
  }

  function unplayedTurns(): string[] {
    const out: string[] = [];
    states.forEach((state, s) => {
      state.played.forEach((played, t) => {
        if (!played) out.push(`${sessionLabel(s)} turn ${t + 1}/${state.played.length} was not played`);
      });
    });
    return out;
  }

  let closing: Promise<void> | undefined;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    scenario,
    requests,
    failures,
    progress,
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
