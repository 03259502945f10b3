import { describe, expect, it } from 'vitest';
import { unmetExpectations } from '../../../src/testing/fake-anthropic/expectations.js';
import { dueFault } from '../../../src/testing/fake-anthropic/faults.js';

const identity = (s: string) => s;
const toolResult = (content: unknown, isError?: boolean) => ({
  role: 'user',
  content: [
    { type: 'tool_result', tool_use_id: 't', content, ...(isError !== undefined && { is_error: isError }) },
  ],
});

const BODY = {
  system: [{ type: 'text', text: 'You are a coding agent.' }],
  tools: [{ name: 'Bash' }, { name: 'Write' }, { type: 'web_search_20250305' }],
  messages: [
    { role: 'system', content: 'environment' },
    { role: 'user', content: 'please build the todo app' },
    { role: 'assistant', content: [{ type: 'text', text: 'assistant text is not user text' }] },
    toolResult('first result'),
    toolResult([{ type: 'text', text: 'ls output: hello.txt' }], false),
  ],
};

describe('unmetExpectations', () => {
  it('is empty when every given check holds', () => {
    expect(
      unmetExpectations(
        {
          lastToolResultContains: 'hello.txt',
          lastToolResultIsError: false,
          systemContains: 'coding agent',
          toolsInclude: ['Bash', 'web_search_20250305'],
          userMessageContains: 'todo app',
        },
        BODY,
        identity,
      ),
    ).toEqual([]);
    expect(unmetExpectations({}, {}, identity)).toEqual([]);
  });

  it('checks the last tool_result only', () => {
    expect(unmetExpectations({ lastToolResultContains: 'first result' }, BODY, identity)).toEqual([
      'expected the last tool_result to contain "first result", got "ls output: hello.txt"',
    ]);
    const failed = { messages: [toolResult('denied', true)] };
    expect(unmetExpectations({ lastToolResultIsError: false }, failed, identity)).toEqual([
      'expected the last tool_result to have is_error false, got true ("denied")',
    ]);
    expect(unmetExpectations({ lastToolResultIsError: true }, { messages: [] }, identity)).toEqual([
      'expected a tool_result block, but the request has none',
    ]);
  });

  it('names what arrived for the system prompt, tools and user text', () => {
    const body = { system: 'short', messages: [{ role: 'user', content: 'hi' }] };
    expect(
      unmetExpectations(
        { systemContains: 'agent', toolsInclude: ['Bash', 'Read'], userMessageContains: 'bye' },
        body,
        identity,
      ),
    ).toEqual([
      'expected the system prompt to contain "agent" (system prompt has 5 chars)',
      'expected tools Bash, Read, the request offers none',
      'expected a user message containing "bye", got "hi"',
    ]);
    expect(unmetExpectations({ toolsInclude: ['Read'] }, BODY, identity)).toEqual([
      'expected tools Read, the request offers Bash, Write, web_search_20250305',
    ]);
  });

  it('clips long texts it quotes', () => {
    const [message] = unmetExpectations(
      { lastToolResultContains: 'x' },
      { messages: [toolResult('y'.repeat(1000))] },
      identity,
    );
    expect(message).toBe(`expected the last tool_result to contain "x", got "${'y'.repeat(300)}…"`);
  });

  it('resolves the expected strings (variables) of the checks it evaluates', () => {
    const seen: string[] = [];
    const resolve = (s: string) => {
      seen.push(s);
      return s.replace('{{app}}', 'todo');
    };
    const expectation = { userMessageContains: 'the {{app}} app', lastToolResultContains: 'x' };
    expect(
      unmetExpectations(expectation, { messages: [{ role: 'user', content: 'the todo app' }] }, resolve),
    ).toEqual(['expected a tool_result block, but the request has none']);
    expect(seen).toEqual(['the {{app}} app']);
  });
});

describe('dueFault', () => {
  it('fires for the first `times` requests of the turn', () => {
    const fault = { type: 'server_error', times: 2 } as const;
    expect(dueFault(fault, 0)).toBe(fault);
    expect(dueFault(fault, 1)).toBe(fault);
    expect(dueFault(fault, 2)).toBeUndefined();
    expect(dueFault(undefined, 0)).toBeUndefined();
  });
});
