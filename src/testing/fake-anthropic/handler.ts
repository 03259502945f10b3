/**
 * Answering one HTTP request: record it, answer what needs no scenario (token counts, unknown routes, bad
 * bodies, side requests) and hand agent requests to `agent-turn.ts`.
 *
 * Routes: `POST /v1/messages` (query string ignored; SSE when `stream: true`, else a JSON Message),
 * `POST /v1/messages/count_tokens`, anything else 404 with an Anthropic error body. A Messages request
 * without tools is a side request of the CLI (title generation and the like): it gets a fixed text and
 * consumes no turn.
 */

import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type AgentContext, answerAgent, type Exchange } from './agent-turn.js';
import { conversationIdOf } from './conversations.js';
import { bodyFields, newRecord, type RecordedRequest } from './recording.js';
import { SIDE_REQUEST_TEXT, textReply } from './replies.js';
import { type JsonObject, parseRequestBody } from './request-body.js';
import { type Schedule, sendError, sendJson, sendReply } from './respond.js';

export interface HandlerContext extends AgentContext {
  requests: RecordedRequest[];
  /** Keep the raw body in each record. */
  recordBodies: boolean;
  schedule: Schedule;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of req) parts.push(chunk as Buffer);
  return Buffer.concat(parts).toString('utf8');
}

export function createHandler(
  ctx: HandlerContext,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  let seq = 0;
  return async (req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const method = req.method ?? 'GET';
    const requestId = `req_fake_${randomUUID().replaceAll('-', '')}`;
    const raw = await readBody(req);
    const record = newRecord(++seq, method, path, req.headers);
    if (ctx.recordBodies) record.body = raw;
    ctx.requests.push(record);
    const logLine = (what: string) => ctx.log(`#${record.seq} ${method} ${path} ${what}`);

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
      body = parseRequestBody(raw);
    } catch (error) {
      record.status = 400;
      record.outcome = 'answered';
      const message = `request #${record.seq} to ${path} has an unparsable JSON body: ${(error as Error).message}`;
      ctx.fail(message);
      sendError(res, 400, 'invalid_request_error', `fake model: ${message}`, requestId);
      return;
    }

    Object.assign(record, bodyFields(body));
    const conversationId = conversationIdOf(req.headers, body);
    if (conversationId !== undefined) record.conversationId = conversationId;

    if (isCount) {
      record.kind = 'count_tokens';
      record.status = 200;
      record.outcome = 'answered';
      logLine(`count_tokens → ${record.estimatedInputTokens}`);
      sendJson(res, 200, requestId, JSON.stringify({ input_tokens: record.estimatedInputTokens }));
      return;
    }

    const model = record.model ?? 'claude-fake';
    const answer: Exchange['answer'] = (reply, outcome, hangSeconds = 0, onPlayed) =>
      sendReply(res, reply, {
        stream: record.stream,
        model,
        requestId,
        messageId: ctx.nextId('msg_fake_'),
        hangSeconds,
        schedule: ctx.schedule,
        onHeaders: () => {
          record.status = 200;
        },
        onDone: (completed) => {
          record.outcome = completed ? outcome : 'client_closed';
          if (completed) onPlayed?.();
          else logLine('client went away before the response was complete');
        },
      });
    if (record.toolNames.length === 0) {
      record.kind = 'side';
      logLine(`side request (no tools, ${record.stream ? 'stream' : 'json'}) → fixed text`);
      answer(textReply(SIDE_REQUEST_TEXT, record.estimatedInputTokens), 'answered');
      return;
    }
    answerAgent(ctx, { req, res, record, body, requestId, model, logLine, answer });
  };
}
