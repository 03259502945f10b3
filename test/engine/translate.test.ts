import type { SDKMessage } from '@anthropic-ai/claude-agent-sdk';
import { describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../src/engine/events.js';
import {
  INITIAL_TRANSLATION,
  type TranslationState,
  toolResultText,
  translate,
  translateEnd,
  translateMessage,
} from '../../src/engine/translate.js';

// Shapes as the SDK emits them (only the fields the harness reads are filled in).
const msg = (value: unknown) => value as SDKMessage;

describe('translateMessage', () => {
  it('turns system/init into session_start', () => {
    const events = translateMessage(
      msg({
        type: 'system',
        subtype: 'init',
        session_id: 's1',
        model: 'claude-sonnet-5-5',
        cwd: '/p',
        tools: ['Bash', 'Write'],
        permissionMode: 'acceptEdits',
        claude_code_version: '2.1.332',
      }),
    );
    expect(events).toEqual([
      {
        type: 'session_start',
        sessionId: 's1',
        model: 'claude-sonnet-5-5',
        cwd: '/p',
        tools: ['Bash', 'Write'],
        permissionMode: 'acceptEdits',
        claudeCodeVersion: '2.1.332',
      },
    ]);
  });

  it('splits an assistant message into its text and tool calls, in order', () => {
    const events = translateMessage(
      msg({
        type: 'assistant',
        parent_tool_use_id: null,
        message: {
          id: 'msg_1',
          usage: { input_tokens: 1200, output_tokens: 1 },
          content: [
            { type: 'text', text: 'Writing it.' },
            { type: 'tool_use', id: 't1', name: 'Write', input: { file_path: '/p/a.txt', content: 'x' } },
          ],
        },
      }),
    );
    expect(events).toEqual([
      { type: 'assistant_text', text: 'Writing it.' },
      { type: 'tool_call', id: 't1', name: 'Write', input: { file_path: '/p/a.txt', content: 'x' } },
    ]);
  });

  it('ignores subagent traffic', () => {
    expect(
      translateMessage(
        msg({
          type: 'assistant',
          parent_tool_use_id: 't0',
          message: { content: [{ type: 'text', text: 'x' }] },
        }),
      ),
    ).toEqual([]);
  });

  it('turns tool results into tool_result events with their text', () => {
    const events = translateMessage(
      msg({
        type: 'user',
        parent_tool_use_id: null,
        message: {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 't1', content: 'ok' },
            {
              type: 'tool_result',
              tool_use_id: 't2',
              is_error: true,
              content: [{ type: 'text', text: 'boom' }],
            },
          ],
        },
      }),
    );
    expect(events).toEqual([
      { type: 'tool_result', id: 't1', isError: false, content: 'ok' },
      { type: 'tool_result', id: 't2', isError: true, content: 'boom' },
    ]);
  });

  it('reports an error result as not ok even when its subtype says success', () => {
    const [event] = translateMessage(
      msg({
        type: 'result',
        subtype: 'success',
        is_error: true,
        result: 'API Error: 529',
        usage: {
          input_tokens: 1,
          output_tokens: 2,
          cache_read_input_tokens: 3,
          cache_creation_input_tokens: 4,
        },
        total_cost_usd: 0.5,
        num_turns: 2,
        duration_ms: 10,
        session_id: 's1',
        terminal_reason: 'api_error',
      }),
    );
    expect(event).toMatchObject({
      type: 'result',
      ok: false,
      subtype: 'success',
      terminalReason: 'api_error',
      usage: { inputTokens: 1, outputTokens: 2, cacheReadInputTokens: 3, cacheCreationInputTokens: 4 },
      costUsd: 0.5,
      numTurns: 2,
    });
    expect(event).not.toHaveProperty('modelUsage');
  });

  it('adds up the per-model totals of a result (they hold the response a budget cap stopped after)', () => {
    const [event] = translateMessage(
      msg({
        type: 'result',
        subtype: 'error_max_budget_usd',
        is_error: true,
        errors: ['Reached maximum budget ($0.005)'],
        usage: {
          input_tokens: 1000,
          output_tokens: 100,
          cache_read_input_tokens: 0,
          cache_creation_input_tokens: 0,
        },
        modelUsage: {
          'claude-sonnet-5-5': {
            inputTokens: 2000,
            outputTokens: 200,
            cacheReadInputTokens: 7,
            cacheCreationInputTokens: 0,
            costUSD: 0.006,
          },
          'claude-haiku-5': {
            inputTokens: 30,
            outputTokens: 3,
            cacheReadInputTokens: 0,
            cacheCreationInputTokens: 1,
          },
        },
        total_cost_usd: 0.006,
        num_turns: 2,
        duration_ms: 1,
        session_id: 's1',
      }),
    );
    expect(event).toMatchObject({
      usage: { inputTokens: 1000, outputTokens: 100 },
      modelUsage: {
        inputTokens: 2030,
        outputTokens: 203,
        cacheReadInputTokens: 7,
        cacheCreationInputTokens: 1,
      },
    });
  });

  it('keeps the errors of a failed result', () => {
    const [event] = translateMessage(
      msg({
        type: 'result',
        subtype: 'error_max_turns',
        is_error: true,
        errors: ['Reached maximum number of turns (1)'],
        usage: {
          input_tokens: 0,
          output_tokens: 0,
          cache_read_input_tokens: 0,
          cache_creation_input_tokens: 0,
        },
        total_cost_usd: 0,
        num_turns: 1,
        duration_ms: 1,
        session_id: 's1',
      }),
    );
    expect(event).toMatchObject({
      ok: false,
      subtype: 'error_max_turns',
      errors: ['Reached maximum number of turns (1)'],
    });
  });

  it('reports API retries', () => {
    expect(
      translateMessage(
        msg({
          type: 'system',
          subtype: 'api_retry',
          attempt: 1,
          max_retries: 10,
          retry_delay_ms: 500,
          error_status: 529,
          error: 'overloaded',
        }),
      ),
    ).toEqual([
      { type: 'api_retry', attempt: 1, maxRetries: 10, delayMs: 500, status: 529, error: 'overloaded' },
    ]);
  });
});

/** Translates messages in order, as the engine does; the state after the last is returned too. */
function translateAll(messages: unknown[]): { events: EngineEvent[]; state: TranslationState } {
  let state = INITIAL_TRANSLATION;
  const events: EngineEvent[] = [];
  for (const message of messages) {
    const step = translate(state, msg(message));
    state = step.state;
    events.push(...step.events);
  }
  return { events, state };
}

const streamEvent = (event: unknown, parent: string | null = null) => ({
  type: 'stream_event',
  parent_tool_use_id: parent,
  event,
});
const messageStart = (id: string, input: number, parent: string | null = null) =>
  streamEvent(
    {
      type: 'message_start',
      message: {
        id,
        usage: {
          input_tokens: input,
          output_tokens: 1,
          cache_read_input_tokens: 5,
          cache_creation_input_tokens: null,
        },
      },
    },
    parent,
  );
const messageDelta = (usage: Record<string, unknown>, parent: string | null = null) =>
  streamEvent({ type: 'message_delta', delta: { stop_reason: 'tool_use' }, usage }, parent);
/** One of the assistant messages of a streamed response: a block, with the usage of message_start. */
const assistant = (id: string, input: number, block: unknown, parent: string | null = null) => ({
  type: 'assistant',
  parent_tool_use_id: parent,
  message: { id, usage: { input_tokens: input, output_tokens: 1 }, content: [block] },
});
const textBlock = (value: string) => ({ type: 'text', text: value });
const usage = (input: number, output: number, cacheRead = 5) => ({
  inputTokens: input,
  outputTokens: output,
  cacheReadInputTokens: cacheRead,
  cacheCreationInputTokens: 0,
});

describe('translate: one turn per response, with its final usage', () => {
  it('emits the turn at message_delta, with the output and the fields the delta sets, after its content', () => {
    const { events, state } = translateAll([
      messageStart('msg_1', 1200),
      streamEvent({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
      streamEvent({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Wri' } }),
      assistant('msg_1', 1200, textBlock('Writing it.')),
      assistant('msg_1', 1200, { type: 'tool_use', id: 't1', name: 'Write', input: { file_path: '/p/a' } }),
      messageDelta({
        input_tokens: null,
        output_tokens: 87,
        cache_read_input_tokens: 9,
        cache_creation_input_tokens: null,
      }),
      streamEvent({ type: 'message_stop' }),
    ]);
    expect(events).toEqual([
      { type: 'assistant_text', text: 'Writing it.' },
      { type: 'tool_call', id: 't1', name: 'Write', input: { file_path: '/p/a' } },
      { type: 'turn', messageId: 'msg_1', usage: usage(1200, 87, 9) },
    ]);
    expect(state).toEqual({ streaming: undefined, counted: 'msg_1' });
  });

  it('emits one turn per response over a whole session, none for subagents', () => {
    const { events } = translateAll([
      messageStart('msg_1', 1000),
      assistant('msg_1', 1000, textBlock('a')),
      messageDelta({ output_tokens: 111 }),
      // A subagent's response belongs to the tool call that started it.
      messageStart('msg_sub', 50, 't0'),
      assistant('msg_sub', 50, textBlock('sub'), 't0'),
      messageDelta({ output_tokens: 5 }, 't0'),
      messageStart('msg_2', 2000),
      assistant('msg_2', 2000, textBlock('b')),
      messageDelta({ output_tokens: 222 }),
      // A repeated assistant message of a response already counted (the SDK splits responses).
      assistant('msg_2', 2000, textBlock('c')),
    ]);
    expect(events.filter((e) => e.type === 'turn')).toEqual([
      { type: 'turn', messageId: 'msg_1', usage: usage(1000, 111) },
      { type: 'turn', messageId: 'msg_2', usage: usage(2000, 222) },
    ]);
  });

  it('counts a response that was not streamed once, at its first message, with its own usage', () => {
    const { events } = translateAll([
      assistant('msg_1', 300, textBlock('a')),
      assistant('msg_1', 300, textBlock('b')),
    ]);
    expect(events).toEqual([
      {
        type: 'turn',
        messageId: 'msg_1',
        usage: { inputTokens: 300, outputTokens: 1, cacheReadInputTokens: 0, cacheCreationInputTokens: 0 },
      },
      { type: 'assistant_text', text: 'a' },
      { type: 'assistant_text', text: 'b' },
    ]);
  });

  it('counts a response cut off before its message_delta with its start usage: when the next one starts, at the result, at the end', () => {
    const retried = translateAll([
      messageStart('msg_cut', 1000),
      messageStart('msg_2', 1000),
      messageDelta({ output_tokens: 40 }),
    ]);
    expect(retried.events).toEqual([
      { type: 'turn', messageId: 'msg_cut', usage: usage(1000, 1) },
      { type: 'turn', messageId: 'msg_2', usage: usage(1000, 40) },
    ]);

    const beforeResult = translateAll([
      messageStart('msg_cut', 1000),
      {
        type: 'result',
        subtype: 'error_during_execution',
        is_error: true,
        errors: [],
        usage: {
          input_tokens: 0,
          output_tokens: 0,
          cache_read_input_tokens: 0,
          cache_creation_input_tokens: 0,
        },
        total_cost_usd: 0.002,
        num_turns: 1,
        duration_ms: 1,
        session_id: 's1',
      },
    ]);
    expect(beforeResult.events.map((e) => e.type)).toEqual(['turn', 'result']);
    expect(beforeResult.state.streaming).toBeUndefined();

    const killed = translateAll([messageStart('msg_cut', 1000), assistant('msg_cut', 1000, textBlock('a'))]);
    expect(killed.events.map((e) => e.type)).toEqual(['assistant_text']);
    expect(translateEnd(killed.state)).toEqual([
      { type: 'turn', messageId: 'msg_cut', usage: usage(1000, 1) },
    ]);
    expect(translateEnd(INITIAL_TRANSLATION)).toEqual([]);
  });

  it('keeps the state it is given (nothing is mutated)', () => {
    const start = translate(INITIAL_TRANSLATION, msg(messageStart('msg_1', 10)));
    const frozen = JSON.stringify(start.state);
    translate(start.state, msg(messageDelta({ output_tokens: 3 })));
    expect(JSON.stringify(start.state)).toBe(frozen);
    expect(INITIAL_TRANSLATION).toEqual({ streaming: undefined, counted: undefined });
  });
});

describe('toolResultText', () => {
  it('marks non-text blocks instead of dropping them', () => {
    expect(toolResultText([{ type: 'text', text: 'a' }, { type: 'image' }])).toBe('a\n[image]');
  });
});
