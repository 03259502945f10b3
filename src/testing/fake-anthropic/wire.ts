/**
 * The Anthropic Messages API wire format the fake answers in: the Message JSON of a non-streamed answer, the
 * SSE events of a streamed one, error bodies and the token estimate. Everything here builds strings and
 * objects; writing them to a socket is `respond.ts`'s job.
 */

/** One block of the assistant message being sent. */
export interface OutBlock {
  type: 'text' | 'tool_use';
  text?: string;
  id?: string;
  name?: string;
  input?: unknown;
}

export interface Usage {
  input_tokens: number;
  output_tokens: number;
}

/** An assistant message ready to be sent, streamed or not. */
export interface Reply {
  content: OutBlock[];
  stopReason: string;
  usage: Usage;
}

/** A rough estimate (characters / 4) that is never 0: clients treat 0 output tokens as suspicious. */
export function estimateTokens(chars: number): number {
  return Math.max(1, Math.ceil(chars / 4));
}

/** Ids shaped like the real ones (`msg_…`, `toolu_…`) and unique within one server. */
export function idSource(): (prefix: string) => string {
  let counter = 0;
  return (prefix) => `${prefix}${(++counter).toString().padStart(6, '0')}`;
}

export function errorBody(type: string, message: string, requestId: string): string {
  return JSON.stringify({ type: 'error', error: { type, message }, request_id: requestId });
}

export function jsonHeaders(requestId: string): Record<string, string> {
  return { 'content-type': 'application/json', 'request-id': requestId };
}

/**
 * The Message object. With empty `content` it is the `message_start` form: no stop reason yet and 1 output
 * token, as the real API reports before any content is generated.
 */
export function messageJson(id: string, model: string, reply: Reply, content: unknown[]) {
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

/** The content blocks of a non-streamed Message. */
export function contentJson(reply: Reply): Record<string, unknown>[] {
  return reply.content.map((b) =>
    b.type === 'text'
      ? { type: 'text', text: b.text ?? '' }
      : { type: 'tool_use', id: b.id, name: b.name, input: b.input ?? {} },
  );
}

export function sseEvent(event: string, data: Record<string, unknown>): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** The events sent before any content: a `hang` fault stalls right after them. */
export function streamOpening(messageId: string, model: string, reply: Reply): string[] {
  return [
    sseEvent('message_start', { type: 'message_start', message: messageJson(messageId, model, reply, []) }),
    sseEvent('ping', { type: 'ping' }),
  ];
}

/**
 * The content events up to `message_stop`. Text and tool input arrive in several deltas, and a tool_use
 * starts with an empty `partial_json`, as the real API sends them, so the client's accumulation is exercised.
 */
export function streamContent(reply: Reply): string[] {
  const events: string[] = [];
  const delta = (index: number, d: Record<string, unknown>) =>
    events.push(sseEvent('content_block_delta', { type: 'content_block_delta', index, delta: d }));
  reply.content.forEach((block, index) => {
    const contentBlock =
      block.type === 'text'
        ? { type: 'text', text: '' }
        : { type: 'tool_use', id: block.id, name: block.name, input: {} };
    events.push(
      sseEvent('content_block_start', { type: 'content_block_start', index, content_block: contentBlock }),
    );
    if (block.type === 'text') {
      for (const piece of chunks(block.text ?? '')) delta(index, { type: 'text_delta', text: piece });
    } else {
      for (const piece of ['', ...chunks(JSON.stringify(block.input ?? {}))]) {
        delta(index, { type: 'input_json_delta', partial_json: piece });
      }
    }
    events.push(sseEvent('content_block_stop', { type: 'content_block_stop', index }));
  });
  events.push(
    sseEvent('message_delta', {
      type: 'message_delta',
      delta: { stop_reason: reply.stopReason, stop_sequence: null },
      usage: {
        input_tokens: reply.usage.input_tokens,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
        output_tokens: reply.usage.output_tokens,
      },
    }),
    sseEvent('message_stop', { type: 'message_stop' }),
  );
  return events;
}

/** Splits a string into at most `parts` non-empty chunks (a real stream delivers text in pieces). */
export function chunks(text: string, parts = 2): string[] {
  if (text.length < 2) return [text];
  const size = Math.ceil(text.length / parts);
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}
