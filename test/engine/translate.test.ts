import type { SDKMessage } from '@anthropic-ai/claude-agent-sdk';
import { describe, expect, it } from 'vitest';
import { toolResultText, translateMessage } from '../../src/engine/translate.js';

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

  it('splits an assistant message into its turn (with usage), text and tool calls, in order', () => {
    const events = translateMessage(
      msg({
        type: 'assistant',
        parent_tool_use_id: null,
        message: {
          id: 'msg_1',
          usage: {
            input_tokens: 1200,
            output_tokens: 80,
            cache_read_input_tokens: 5,
            cache_creation_input_tokens: null,
          },
          content: [
            { type: 'text', text: 'Writing it.' },
            { type: 'tool_use', id: 't1', name: 'Write', input: { file_path: '/p/a.txt', content: 'x' } },
          ],
        },
      }),
    );
    expect(events).toEqual([
      {
        type: 'turn',
        messageId: 'msg_1',
        usage: { inputTokens: 1200, outputTokens: 80, cacheReadInputTokens: 5, cacheCreationInputTokens: 0 },
      },
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

describe('toolResultText', () => {
  it('marks non-text blocks instead of dropping them', () => {
    expect(toolResultText([{ type: 'text', text: 'a' }, { type: 'image' }])).toBe('a\n[image]');
  });
});
