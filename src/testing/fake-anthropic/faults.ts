/**
 * Playing a turn's fault. A fault fires for the first `times` requests of its turn and the request after
 * that plays the turn, which is how a client's retry logic gets tested. `hang` is not played here: it only
 * delays the normal reply (see `respond.ts`), so the turn still counts as played when the client waits.
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import { textReply } from './replies.js';
import { sendError } from './respond.js';
import type { ScenarioFault } from './scenario.js';
import { jsonHeaders, messageJson, sseEvent } from './wire.js';

/** The fault to inject for a request of the turn, after `fired` earlier firings; `undefined` to play it. */
export function dueFault(fault: ScenarioFault | undefined, fired: number): ScenarioFault | undefined {
  return fault !== undefined && fired < fault.times ? fault : undefined;
}

export type ImmediateFault = Exclude<ScenarioFault, { type: 'hang' }>;

export interface FaultContext {
  stream: boolean;
  model: string;
  requestId: string;
  nextId: (prefix: string) => string;
}

/** Answers with the fault; returns the HTTP status sent (0 for a reset, which sends nothing). */
export function playFault(
  fault: ImmediateFault,
  req: IncomingMessage,
  res: ServerResponse,
  context: FaultContext,
): number {
  const { requestId } = context;
  const message = `fake model: injected ${fault.type} fault`;
  switch (fault.type) {
    case 'rate_limit':
      sendError(res, 429, 'rate_limit_error', message, requestId, {
        'retry-after': String(fault.retryAfterSeconds),
      });
      return 429;
    case 'server_error':
      sendError(res, 500, 'api_error', message, requestId);
      return 500;
    case 'overloaded':
      sendError(res, 529, 'overloaded_error', message, requestId);
      return 529;
    case 'reset':
      req.socket.destroy();
      return 0;
    case 'malformed_sse':
      malformed(res, context);
      return 200;
  }
}

/** A 200 whose body breaks off mid-JSON: a truncated Message, or a stream whose second event is cut. */
function malformed(res: ServerResponse, { stream, model, requestId, nextId }: FaultContext): void {
  if (!stream) {
    res.writeHead(200, jsonHeaders(requestId));
    res.end('{"id": "msg_fake_broken", "type": "message", "content": [');
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'request-id': requestId });
  const start = messageJson(nextId('msg_fake_'), model, textReply('', 0), []);
  res.write(sseEvent('message_start', { type: 'message_start', message: start }));
  res.write('event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_blo\n\n');
  res.end();
}
