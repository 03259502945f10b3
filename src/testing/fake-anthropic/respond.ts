/**
 * Writing answers to the HTTP response: errors, plain JSON, and a reply streamed or not, with the optional
 * stall of a `hang` fault. The bytes come from `wire.ts`.
 */

import type { ServerResponse } from 'node:http';
import {
  contentJson,
  errorBody,
  jsonHeaders,
  messageJson,
  type Reply,
  streamContent,
  streamOpening,
} from './wire.js';

/** Runs `fn` after `ms`; returns a cancel function. The server tracks these timers so `close()` stops them. */
export type Schedule = (ms: number, fn: () => void) => () => void;

export function sendJson(res: ServerResponse, status: number, requestId: string, body: string): void {
  res.writeHead(status, jsonHeaders(requestId));
  res.end(body);
}

export function sendError(
  res: ServerResponse,
  status: number,
  type: string,
  message: string,
  requestId: string,
  extraHeaders: Record<string, string> = {},
): void {
  res.writeHead(status, { ...jsonHeaders(requestId), ...extraHeaders });
  res.end(errorBody(type, message, requestId));
}

export interface SendReplyOptions {
  stream: boolean;
  model: string;
  requestId: string;
  messageId: string;
  /**
   * Seconds to stall: a streamed reply stalls after `message_start` (the client's idle watchdog case), a
   * non-streamed one before its headers (the client's request timeout case).
   */
  hangSeconds: number;
  schedule: Schedule;
  /** Called when the 200 status line is written. */
  onHeaders: () => void;
  /** Called once: `true` when the whole response was written, `false` when the client went away first. */
  onDone: (completed: boolean) => void;
}

export function sendReply(res: ServerResponse, reply: Reply, options: SendReplyOptions): void {
  const { requestId, hangSeconds } = options;
  let finished = false;
  let cancelStall: (() => void) | undefined;
  const finish = (completed: boolean) => {
    if (finished) return;
    finished = true;
    cancelStall?.();
    options.onDone(completed);
  };
  res.on('finish', () => finish(true));
  res.on('close', () => finish(res.writableFinished));

  const afterStall = (fn: () => void) => {
    if (hangSeconds > 0) cancelStall = options.schedule(hangSeconds * 1000, () => !res.destroyed && fn());
    else fn();
  };

  if (!options.stream) {
    afterStall(() => {
      options.onHeaders();
      const message = messageJson(options.messageId, options.model, reply, contentJson(reply));
      sendJson(res, 200, requestId, JSON.stringify(message));
    });
    return;
  }

  options.onHeaders();
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    'request-id': requestId,
  });
  for (const event of streamOpening(options.messageId, options.model, reply)) res.write(event);
  afterStall(() => {
    for (const event of streamContent(reply)) res.write(event);
    res.end();
  });
}
