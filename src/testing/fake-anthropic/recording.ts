/**
 * The record the server keeps of every request (`FakeAnthropicServer.requests`), so a test can assert what
 * the client sent and how each request was answered without a proxy or a log parser.
 */

import type { IncomingHttpHeaders } from 'node:http';
import { isObject, type JsonObject, textOf, toolNamesOf } from './request-body.js';
import type { FaultType } from './scenario.js';
import { estimateTokens } from './wire.js';

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
  /** Which credential the request carried, never its value (see `recordedAuth`). */
  auth: RecordedAuth;
  /** The raw request body, when the server was started with `recordBodies`. */
  body?: string;
}

/**
 * How a request authenticated: whether it carried `x-api-key`, and the scheme of its `Authorization` header
 * (`Bearer`, `AWS4-HMAC-SHA256`…), or null. The values are never kept.
 */
export interface RecordedAuth {
  apiKey: boolean;
  authorization: string | null;
}

export function recordedAuth(headers: IncomingHttpHeaders): RecordedAuth {
  const key = headers['x-api-key'];
  const authorization = headers.authorization;
  const scheme =
    authorization === undefined ? null : (/^\s*([A-Za-z0-9._-]+)/.exec(authorization)?.[1] ?? '');
  return {
    apiKey: typeof key === 'string' ? key.trim() !== '' : Array.isArray(key) && key.length > 0,
    authorization: scheme,
  };
}

/** Headers worth asserting on (client identity, API version, SDK retry state). */
const RECORDED_HEADERS = new Set([
  'user-agent',
  'anthropic-version',
  'anthropic-beta',
  'x-app',
  'x-stainless-retry-count',
  'x-stainless-timeout',
  'x-stainless-helper-method',
]);
/** Records end up in test output and logs: a Claude Code header that might carry a secret is dropped. */
const SECRET_HEADER = /auth|key|token|secret|credential|signature|cookie/i;

/** The recorded subset of the request headers: the list above plus Claude Code's own `x-claude-code-*`. */
export function recordedHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const keep =
      RECORDED_HEADERS.has(name) || (name.startsWith('x-claude-code-') && !SECRET_HEADER.test(name));
    if (keep) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/** A record of a request that has just arrived: nothing known about its body yet, outcome pending. */
export function newRecord(
  seq: number,
  method: string,
  path: string,
  headers: IncomingHttpHeaders,
): RecordedRequest {
  return {
    seq,
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
    headers: recordedHeaders(headers),
    auth: recordedAuth(headers),
  };
}

export type BodyFields = Pick<
  RecordedRequest,
  | 'model'
  | 'stream'
  | 'toolNames'
  | 'systemChars'
  | 'messageCount'
  | 'assistantMessageCount'
  | 'estimatedInputTokens'
>;

/** The record fields a Messages (or count_tokens) request body determines. */
export function bodyFields(body: JsonObject): BodyFields {
  const messages: unknown[] = Array.isArray(body.messages) ? body.messages : [];
  const system = body.system;
  return {
    model: typeof body.model === 'string' ? body.model : undefined,
    stream: body.stream === true,
    toolNames: toolNamesOf(body),
    systemChars: textOf(system).length,
    messageCount: messages.length,
    assistantMessageCount: messages.filter((m) => isObject(m) && m.role === 'assistant').length,
    estimatedInputTokens: estimateTokens(
      (JSON.stringify(system ?? '') + JSON.stringify(messages) + JSON.stringify(body.tools ?? [])).length,
    ),
  };
}
