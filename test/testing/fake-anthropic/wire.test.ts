import { describe, expect, it } from 'vitest';
import {
  chunks,
  estimateTokens,
  idSource,
  messageJson,
  type Reply,
  streamContent,
  streamOpening,
} from '../../../src/testing/fake-anthropic/wire.js';

const REPLY: Reply = {
  content: [
    { type: 'text', text: 'Writing it now.' },
    { type: 'tool_use', id: 'toolu_1', name: 'Write', input: { file_path: '/p/a.txt', content: 'hi' } },
  ],
  stopReason: 'tool_use',
  usage: { input_tokens: 100, output_tokens: 20 },
};

function parse(events: string[]) {
  return events.map((raw) => {
    const match = /^event: (\w+)\ndata: (.*)\n\n$/s.exec(raw);
    if (match === null) throw new Error(`not one SSE event: ${raw}`);
    const data = JSON.parse(match[2] ?? '') as Record<string, unknown>;
    expect(data.type).toBe(match[1]);
    return data;
  });
}

describe('wire format', () => {
  it('streams content in pieces that add up to the reply', () => {
    const events = parse(streamContent(REPLY));
    expect(events.map((e) => e.type)).toEqual([
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    const deltas = (index: number) =>
      events
        .filter((e) => e.type === 'content_block_delta' && e.index === index)
        .map((e) => e.delta as { text?: string; partial_json?: string });
    expect(
      deltas(0)
        .map((d) => d.text)
        .join(''),
    ).toBe('Writing it now.');
    expect(
      JSON.parse(
        deltas(1)
          .map((d) => d.partial_json)
          .join(''),
      ),
    ).toEqual(REPLY.content[1]?.input);
    expect(events[4]).toEqual({
      type: 'content_block_start',
      index: 1,
      content_block: { type: 'tool_use', id: 'toolu_1', name: 'Write', input: {} },
    });
    expect(events.at(-2)).toMatchObject({ delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 20 } });
  });

  it('opens a stream with an empty message_start and a ping', () => {
    const [start, ping] = parse(streamOpening('msg_1', 'm', REPLY));
    expect(start).toMatchObject({
      message: { id: 'msg_1', model: 'm', content: [], stop_reason: null, usage: { output_tokens: 1 } },
    });
    expect(ping).toEqual({ type: 'ping' });
    expect(messageJson('msg_1', 'm', REPLY, [{}]).stop_reason).toBe('tool_use');
  });

  it('splits, estimates and numbers', () => {
    expect(chunks('')).toEqual(['']);
    expect(chunks('abcde')).toEqual(['abc', 'de']);
    expect(estimateTokens(0)).toBe(1);
    expect(estimateTokens(9)).toBe(3);
    const next = idSource();
    expect([next('msg_'), next('toolu_')]).toEqual(['msg_000001', 'toolu_000002']);
  });
});
