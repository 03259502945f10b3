import Anthropic, {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  InternalServerError,
  RateLimitError,
} from '@anthropic-ai/sdk';
import type { MessageParam, Tool } from '@anthropic-ai/sdk/resources/messages';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  BEYOND_SCENARIO_TEXT,
  EXPECTATION_FAILED_PREFIX,
  type FakeAnthropicServer,
  parseScenario,
  type ScenarioInput,
  SIDE_REQUEST_TEXT,
  type StartFakeAnthropicOptions,
  startFakeAnthropic,
} from '../../../src/testing/fake-anthropic/index.js';

const TOOLS: Tool[] = [
  { name: 'Bash', description: 'Run a command', input_schema: { type: 'object', properties: {} } },
  { name: 'Write', description: 'Write a file', input_schema: { type: 'object', properties: {} } },
];
const MODEL = 'claude-test-model';
type FaultInput = NonNullable<ScenarioInput['sessions'][number]['turns'][number]['fault']>;

const servers: FakeAnthropicServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function start(
  scenario: ScenarioInput,
  options: Omit<StartFakeAnthropicOptions, 'scenario'> = {},
): Promise<FakeAnthropicServer> {
  const server = await startFakeAnthropic({
    scenario: parseScenario(JSON.stringify(scenario), 'test.json'),
    ...options,
  });
  servers.push(server);
  return server;
}

function client(
  server: FakeAnthropicServer,
  options: ConstructorParameters<typeof Anthropic>[0] = {},
): Anthropic {
  return new Anthropic({ baseURL: server.url, apiKey: 'x', maxRetries: 0, logLevel: 'off', ...options });
}

const text = (t: string) => ({ type: 'text' as const, text: t });
const user = (content: MessageParam['content']): MessageParam => ({ role: 'user', content });
const toolResult = (id: string, content: string, isError = false): MessageParam =>
  user([{ type: 'tool_result', tool_use_id: id, content, is_error: isError }]);

/** The conversation after the first turn of `session`: its request plus the assistant answer and a tool result. */
function agentParams(
  messages: MessageParam[],
  extra: Partial<Anthropic.MessageCreateParamsNonStreaming> = {},
) {
  return { model: MODEL, max_tokens: 1024, tools: TOOLS, messages, ...extra };
}

const WRITE_INPUT = {
  file_path: '/tmp/project/hello.txt',
  content: 'hi\n',
  nested: { list: [1, 'two', true] },
};

const TWO_TURNS: ScenarioInput = {
  name: 'two-turns',
  sessions: [
    {
      name: 'write',
      turns: [
        {
          content: [
            { type: 'text', text: 'I will write the file.' },
            { type: 'tool_use', name: 'Write', input: WRITE_INPUT },
          ],
        },
        { content: [{ type: 'text', text: 'Done.' }] },
      ],
    },
  ],
};

describe('fake Anthropic server: responses parsed by the official client', () => {
  it('streams text and tool_use that MessageStream accumulates into the scripted message', async () => {
    const server = await start(TWO_TURNS);
    const api = client(server);
    const events: string[] = [];
    const stream = api.messages.stream(agentParams([user('please write hello')]));
    stream.on('streamEvent', (event) => events.push(event.type));
    const message = await stream.finalMessage();

    expect(message.model).toBe(MODEL);
    expect(message.role).toBe('assistant');
    expect(message.stop_reason).toBe('tool_use');
    expect(message.content).toHaveLength(2);
    expect(message.content[0]).toMatchObject({ type: 'text', text: 'I will write the file.' });
    const toolUse = message.content[1];
    expect(toolUse?.type).toBe('tool_use');
    if (toolUse?.type !== 'tool_use') throw new Error('unreachable');
    expect(toolUse.name).toBe('Write');
    expect(toolUse.input).toEqual(WRITE_INPUT);
    expect(toolUse.id).toMatch(/^toolu_/);
    expect(message.usage.output_tokens).toBeGreaterThan(0);
    expect(message.usage.input_tokens).toBe(server.requests[0]?.estimatedInputTokens);
    expect(events[0]).toBe('message_start');
    expect(events.at(-1)).toBe('message_stop');
    expect(events).toContain('content_block_delta');

    // The next request carries the tool result: turn 2 of the same session.
    const second = await api.messages
      .stream(
        agentParams([
          user('please write hello'),
          { role: 'assistant', content: message.content },
          toolResult(toolUse.id, 'File created'),
        ]),
      )
      .finalMessage();
    expect(second.stop_reason).toBe('end_turn');
    expect(second.content).toEqual([expect.objectContaining({ type: 'text', text: 'Done.' })]);
    expect(server.failures).toEqual([]);
    expect(server.progress()).toMatchObject({ done: true, playedTurns: 2, remainingTurns: 0, totalTurns: 2 });
    server.assertComplete();
  });

  it('writes the exact SSE wire format with event lines and headers', async () => {
    const server = await start(TWO_TURNS);
    const response = await fetch(`${server.url}/v1/messages?beta=true`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...agentParams([user('go')]), stream: true }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(response.headers.get('request-id')).toMatch(/^req_/);
    const body = await response.text();
    const events = body
      .trim()
      .split('\n\n')
      .map((chunk) => {
        const [eventLine, dataLine] = chunk.split('\n');
        const event = eventLine?.replace(/^event: /, '');
        const data = JSON.parse(dataLine?.replace(/^data: /, '') ?? '') as { type: string };
        expect(data.type).toBe(event);
        return data;
      });
    const types = events.map((e) => e.type);
    expect(types[0]).toBe('message_start');
    expect(types.slice(-2)).toEqual(['message_delta', 'message_stop']);
    expect(events[0]).toMatchObject({
      message: { type: 'message', role: 'assistant', model: MODEL, content: [], stop_reason: null },
    });
    expect(events).toContainEqual({
      type: 'content_block_start',
      index: 1,
      content_block: expect.objectContaining({ type: 'tool_use', name: 'Write', input: {} }),
    });
    const partial = events
      .filter((e): e is { type: string; delta: { type: string; partial_json: string } } =>
        Boolean((e as { delta?: { type?: string } }).delta?.type === 'input_json_delta'),
      )
      .map((e) => e.delta.partial_json);
    expect(partial.length).toBeGreaterThan(1);
    expect(JSON.parse(partial.join(''))).toEqual(WRITE_INPUT);
    expect(events.at(-2)).toMatchObject({
      delta: { stop_reason: 'tool_use' },
      usage: { output_tokens: expect.any(Number) },
    });
  });

  it('answers non-streamed requests and create({ stream: true })', async () => {
    const server = await start(TWO_TURNS);
    const api = client(server);
    const message = await api.messages.create(agentParams([user('go')]));
    expect(message.content[1]).toMatchObject({ type: 'tool_use', name: 'Write', input: WRITE_INPUT });
    expect(message.stop_reason).toBe('tool_use');
    expect(server.requests[0]?.stream).toBe(false);

    const stream = await api.messages.create({
      ...agentParams([user('go'), { role: 'assistant', content: message.content }, toolResult('t', 'ok')]),
      stream: true,
    });
    const deltas: string[] = [];
    for await (const event of stream) {
      if (event.type === 'content_block_delta' && event.delta.type === 'text_delta')
        deltas.push(event.delta.text);
    }
    expect(deltas.join('')).toBe('Done.');
    server.assertComplete();
  });

  it('counts tokens and answers unknown routes with a 404 error body', async () => {
    const server = await start(TWO_TURNS);
    const api = client(server);
    const count = await api.messages.countTokens({
      model: MODEL,
      messages: [user('x'.repeat(400))],
      tools: TOOLS,
    });
    expect(count.input_tokens).toBeGreaterThan(100);
    expect(server.requests[0]).toMatchObject({ kind: 'count_tokens', path: '/v1/messages/count_tokens' });

    const error = await api.models.list().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIError);
    expect((error as APIError).status).toBe(404);
    expect((error as APIError).type).toBe('not_found_error');
    expect(server.requests[1]).toMatchObject({ kind: 'other', status: 404 });
    expect(server.failures).toEqual([]);
    expect(server.progress()).toMatchObject({ playedTurns: 0, sessionIndex: 0, turnIndex: 0 });
  });
});

describe('fake Anthropic server: request classification', () => {
  it('answers side requests (no tools) without consuming turns', async () => {
    const server = await start(TWO_TURNS);
    const api = client(server);
    const side = await api.messages.create({
      model: MODEL,
      max_tokens: 50,
      messages: [user('Generate a title')],
    });
    expect(side.content).toEqual([expect.objectContaining({ type: 'text', text: SIDE_REQUEST_TEXT })]);
    const sideStream = await api.messages
      .stream({ model: MODEL, max_tokens: 50, messages: [user('t')] })
      .finalText();
    expect(sideStream).toBe(SIDE_REQUEST_TEXT);
    const agent = await api.messages.create(agentParams([user('go')]));
    expect(agent.content[0]).toMatchObject({ text: 'I will write the file.' });
    expect(server.requests.map((r) => r.kind)).toEqual(['side', 'side', 'agent']);
  });

  it('keeps each raw request body only when asked (recordBodies), so a test can search what the model was sent', async () => {
    const plain = await start(TWO_TURNS);
    await client(plain).messages.create(agentParams([user('the canary 0815')]));
    expect(plain.requests[0]?.body).toBeUndefined();
    const recording = await start(TWO_TURNS, { recordBodies: true });
    await client(recording).messages.create(agentParams([user('the canary 0815')]));
    expect(recording.requests[0]?.body).toContain('the canary 0815');
    expect(JSON.parse(recording.requests[0]?.body ?? '')).toMatchObject({ model: MODEL });
  });

  it('takes the next session for a conversation without assistant messages, despite extra user messages', async () => {
    const server = await start({
      sessions: [
        { name: 'one', turns: [{ content: [text('one-1')] }, { content: [text('one-2')] }] },
        { name: 'two', turns: [{ content: [text('two-1')] }] },
      ],
    });
    const api = client(server);
    const first = await api.messages.create(
      agentParams([user('<system-reminder>env</system-reminder>'), user('go')]),
    );
    expect(first.content[0]).toMatchObject({ text: 'one-1' });
    expect(server.progress()).toMatchObject({ sessionIndex: 0, sessionName: 'one', turnIndex: 1 });
    // A new conversation (no assistant message) moves on to session 2 although session 1 has a turn left.
    const second = await api.messages.create(agentParams([user('env'), user('env2'), user('go again')]));
    expect(second.content[0]).toMatchObject({ text: 'two-1' });
    expect(server.requests.map((r) => [r.sessionIndex, r.turnIndex])).toEqual([
      [0, 0],
      [1, 0],
    ]);
    expect(() => server.assertComplete()).toThrow(/session 1 "one" \(of 2\) turn 2\/2 was not played/);
    // Beyond the scenario: a third conversation.
    const third = await api.messages.create(agentParams([user('more')]));
    expect(third.content[0]).toMatchObject({ text: BEYOND_SCENARIO_TEXT });
    expect(third.stop_reason).toBe('end_turn');
    expect(server.failures).toEqual([expect.stringMatching(/beyond the scenario's 2 session\(s\)/)]);
  });

  it('records a failure for a turn beyond the session and keeps answering', async () => {
    const server = await start({ sessions: [{ name: 'short', turns: [{ content: [text('only')] }] }] });
    const api = client(server);
    await api.messages.create(agentParams([user('go')]));
    const extra = await api.messages.create(
      agentParams([user('go'), { role: 'assistant', content: 'only' }, user('and now?')]),
    );
    expect(extra.content[0]).toMatchObject({ text: BEYOND_SCENARIO_TEXT });
    expect(server.failures).toEqual([
      expect.stringMatching(/session 1 "short" \(of 1\) has 1 turn\(s\), but request #2 asks for turn 2/),
    ]);
    expect(server.requests[1]).toMatchObject({ outcome: 'beyond_scenario', sessionIndex: 0 });
    expect(() => server.assertComplete()).toThrow(/did not complete/);
  });

  it('routes interleaved conversations by X-Claude-Code-Session-Id', async () => {
    const server = await start({
      sessions: [
        { name: 'a', turns: [{ content: [text('a-1')] }, { content: [text('a-2')] }] },
        { name: 'b', turns: [{ content: [text('b-1')] }, { content: [text('b-2')] }] },
      ],
    });
    const a = client(server, { defaultHeaders: { 'X-Claude-Code-Session-Id': 'conv-a' } });
    const b = client(server, { defaultHeaders: { 'X-Claude-Code-Session-Id': 'conv-b' } });
    const followUp = (t: string) =>
      agentParams([user('go'), { role: 'assistant', content: t }, user('next')]);
    expect((await a.messages.create(agentParams([user('go')]))).content[0]).toMatchObject({ text: 'a-1' });
    expect((await b.messages.create(agentParams([user('go')]))).content[0]).toMatchObject({ text: 'b-1' });
    expect((await a.messages.create(followUp('a-1'))).content[0]).toMatchObject({ text: 'a-2' });
    expect((await b.messages.create(followUp('b-1'))).content[0]).toMatchObject({ text: 'b-2' });
    expect(server.requests.map((r) => r.conversationId)).toEqual(['conv-a', 'conv-b', 'conv-a', 'conv-b']);
    expect(server.requests[0]?.headers['x-claude-code-session-id']).toBe('conv-a');
    server.assertComplete();
  });

  it('takes the conversation id from metadata.user_id as Claude Code sends it', async () => {
    const server = await start({ sessions: [{ turns: [{ content: [text('x')] }] }] });
    const userId = JSON.stringify({ device_id: 'd', account_uuid: '', session_id: 'sess-1' });
    await client(server).messages.create(agentParams([user('go')], { metadata: { user_id: userId } }));
    expect(server.requests[0]?.conversationId).toBe('sess-1');
  });
});

describe('fake Anthropic server: faults and retries', () => {
  const faulty = (fault: FaultInput): ScenarioInput => ({
    sessions: [{ name: 'f', turns: [{ content: [text('after the fault')], fault }] }],
  });

  it('rate_limit: 429 with retry-after and a rate_limit_error body; the retry replays the same turn', async () => {
    const server = await start(faulty({ type: 'rate_limit', retryAfterSeconds: 7 }));
    const api = client(server);
    const error = await api.messages.create(agentParams([user('go')])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    const apiError = error as RateLimitError;
    expect(apiError.status).toBe(429);
    expect(apiError.headers?.get('retry-after')).toBe('7');
    expect(apiError.type).toBe('rate_limit_error');
    expect(apiError.error).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
    expect(server.progress()).toMatchObject({ sessionIndex: 0, turnIndex: 0, playedTurns: 0 });
    const retry = await api.messages.create(agentParams([user('go')]));
    expect(retry.content[0]).toMatchObject({ text: 'after the fault' });
    expect(server.requests.map((r) => [r.sessionIndex, r.turnIndex, r.fault, r.status, r.outcome])).toEqual([
      [0, 0, 'rate_limit', 429, 'fault'],
      [0, 0, undefined, 200, 'played'],
    ]);
    server.assertComplete();
  });

  it('server_error: 500 api_error, `times` attempts in a row', async () => {
    const server = await start(faulty({ type: 'server_error', times: 2 }));
    const api = client(server);
    for (let i = 0; i < 2; i++) {
      const error = await api.messages.create(agentParams([user('go')])).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InternalServerError);
      expect((error as APIError).status).toBe(500);
      expect((error as APIError).type).toBe('api_error');
    }
    expect((await api.messages.create(agentParams([user('go')]))).content[0]).toMatchObject({
      text: 'after the fault',
    });
  });

  it('a client that retries by itself gets the turn after the fault', async () => {
    // A fractional retry-after keeps the SDK's wait short.
    const server = await start(faulty({ type: 'rate_limit', retryAfterSeconds: 0.01 }));
    const api = client(server, { maxRetries: 1 });
    const message = await api.messages.create(agentParams([user('go')]));
    expect(message.content[0]).toMatchObject({ text: 'after the fault' });
    expect(server.requests.map((r) => r.headers['x-stainless-retry-count'])).toEqual(['0', '1']);
  });

  it('overloaded: 529 overloaded_error', async () => {
    const server = await start(faulty({ type: 'overloaded' }));
    const error = await client(server)
      .messages.stream(agentParams([user('go')]))
      .finalMessage()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIError);
    expect((error as APIError).status).toBe(529);
    expect((error as APIError).type).toBe('overloaded_error');
  });

  it('hang: the stream stalls after message_start and then completes', async () => {
    const server = await start(faulty({ type: 'hang', seconds: 0.3 }));
    const stream = client(server).messages.stream(agentParams([user('go')]));
    let startedAt = 0;
    stream.on('streamEvent', (event) => {
      if (event.type === 'message_start') startedAt = Date.now();
    });
    const message = await stream.finalMessage();
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(250);
    expect(message.content[0]).toMatchObject({ text: 'after the fault' });
    expect(server.requests[0]).toMatchObject({ fault: 'hang', outcome: 'played' });
    server.assertComplete();
  });

  it('hang: a client that gives up does not consume the turn; its retry plays it', async () => {
    const server = await start(faulty({ type: 'hang', seconds: 30 }));
    const api = client(server);
    const stream = api.messages.stream(agentParams([user('go')]));
    stream.on('streamEvent', (event) => {
      if (event.type === 'message_start') stream.abort();
    });
    await expect(stream.finalMessage()).rejects.toThrow();
    await vi.waitFor(() => expect(server.requests[0]?.outcome).toBe('client_closed'), { interval: 10 });
    expect(server.progress().playedTurns).toBe(0);
    const retry = await api.messages.create(agentParams([user('go')]));
    expect(retry.content[0]).toMatchObject({ text: 'after the fault' });
    server.assertComplete();
  });

  it('hang on a non-streamed request holds the headers back, so the client timeout fires', async () => {
    const server = await start(faulty({ type: 'hang', seconds: 30 }));
    const error = await client(server, { timeout: 100 })
      .messages.create(agentParams([user('go')]))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIConnectionTimeoutError);
    await vi.waitFor(() => expect(server.requests[0]?.outcome).toBe('client_closed'), { interval: 10 });
  });

  it('reset: the socket is destroyed, the client sees a connection error', async () => {
    const server = await start(faulty({ type: 'reset' }));
    const api = client(server);
    const error = await api.messages.create(agentParams([user('go')])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIConnectionError);
    expect(server.requests[0]).toMatchObject({ fault: 'reset', status: 0 });
    expect((await api.messages.create(agentParams([user('go')]))).content[0]).toMatchObject({
      text: 'after the fault',
    });
  });

  it('malformed_sse: the streaming client throws', async () => {
    const server = await start(faulty({ type: 'malformed_sse', times: 2 }));
    const api = client(server);
    await expect(api.messages.stream(agentParams([user('go')])).finalMessage()).rejects.toThrow(/JSON/);
    await expect(api.messages.create(agentParams([user('go')]))).rejects.toThrow();
    expect(server.requests.map((r) => r.fault)).toEqual(['malformed_sse', 'malformed_sse']);
    expect(server.progress().playedTurns).toBe(0);
  });

  it('close() ends hanging streams', async () => {
    const server = await start(faulty({ type: 'hang', seconds: 60 }));
    const stream = client(server).messages.stream(agentParams([user('go')]));
    const started = new Promise<void>((resolve) =>
      stream.on('streamEvent', (e) => {
        if (e.type === 'message_start') resolve();
      }),
    );
    const done = stream.finalMessage().catch((e: unknown) => e);
    await started;
    await server.close();
    expect(await done).toBeInstanceOf(Error);
  });
});

describe('fake Anthropic server: expectations and variables', () => {
  const scenario: ScenarioInput = {
    sessions: [
      {
        name: 'checked',
        turns: [
          {
            content: [{ type: 'tool_use', name: 'Bash', input: { command: 'ls {{projectDir}}' } }],
            expect: {
              systemContains: 'harness',
              toolsInclude: ['Bash'],
              userMessageContains: 'build {{app}}',
            },
          },
          {
            content: [text('The listing of {{projectDir}} is fine.')],
            expect: { lastToolResultContains: 'hello.txt', lastToolResultIsError: false },
          },
        ],
      },
    ],
  };
  const variables = { projectDir: '/tmp/p', app: 'todo' };

  it('plays turns whose expectations are met, with variables substituted', async () => {
    const server = await start(scenario, { variables });
    const api = client(server);
    const first = await api.messages.create(
      agentParams([user('please build todo')], {
        system: [{ type: 'text', text: 'You are the harness agent.' }],
      }),
    );
    expect(first.content[0]).toMatchObject({ type: 'tool_use', input: { command: 'ls /tmp/p' } });
    const id = (first.content[0] as Anthropic.ToolUseBlock).id;
    const second = await api.messages.create(
      agentParams([
        user('please build todo'),
        { role: 'assistant', content: first.content },
        toolResult(id, 'hello.txt'),
      ]),
    );
    expect(second.content[0]).toMatchObject({ text: 'The listing of /tmp/p is fine.' });
    expect(server.failures).toEqual([]);
    server.assertComplete();
  });

  it('answers FAKE MODEL EXPECTATION FAILED and records precise failures', async () => {
    const lines: string[] = [];
    const server = await start(scenario, { variables, log: (line) => lines.push(line) });
    const api = client(server);
    const first = await api.messages
      .stream(agentParams([user('something else')], { system: 'plain', tools: [TOOLS[1] as Tool] }))
      .finalMessage();
    const reply = first.content[0];
    expect(reply?.type).toBe('text');
    expect((reply as Anthropic.TextBlock).text.startsWith(EXPECTATION_FAILED_PREFIX)).toBe(true);
    expect(first.stop_reason).toBe('end_turn');
    expect(server.failures).toHaveLength(1);
    const failure = server.failures[0] ?? '';
    expect(failure).toMatch(/^session 1 "checked" \(of 1\) turn 1: /);
    expect(failure).toContain('expected the system prompt to contain "harness"');
    expect(failure).toContain('expected tools Bash, the request offers Write');
    expect(failure).toContain('expected a user message containing "build todo", got "something else"');
    expect(lines.some((l) => l.startsWith('FAILURE: session 1'))).toBe(true);
    expect(server.requests[0]?.outcome).toBe('expectation_failed');

    const second = await api.messages.create(
      agentParams([
        user('build todo'),
        { role: 'assistant', content: 'x' },
        toolResult('t', 'denied by hook', true),
      ]),
    );
    expect((second.content[0] as Anthropic.TextBlock).text).toMatch(
      /^FAKE MODEL EXPECTATION FAILED: session 1 "checked" \(of 1\) turn 2: expected the last tool_result to contain "hello.txt", got "denied by hook"; expected the last tool_result to have is_error false, got true/,
    );
    expect(() => server.assertComplete()).toThrow(/expected the last tool_result/);
  });

  it('records an unknown variable as a failure and leaves it in place', async () => {
    const server = await start({
      sessions: [
        { turns: [{ content: [{ type: 'tool_use', name: 'Write', input: { file_path: '{{nope}}/a' } }] }] },
      ],
    });
    const message = await client(server).messages.create(agentParams([user('go')]));
    expect(message.content[0]).toMatchObject({ input: { file_path: '{{nope}}/a' } });
    expect(server.failures).toEqual([
      expect.stringMatching(/unknown variable \{\{nope\}\} in session 1 .*Write input/),
    ]);
  });
});

describe('fake Anthropic server: recording and usage', () => {
  it('records each request with its fields and a safe header subset', async () => {
    const server = await start({
      sessions: [{ turns: [{ content: [text('hello')], usage: { input_tokens: 10, output_tokens: 5 } }] }],
    });
    const api = client(server, { defaultHeaders: { 'X-Claude-Code-Session-Id': 's-1', 'x-app': 'cli' } });
    const message = await api.messages.create(
      agentParams([user('first'), user('second')], { system: 'S'.repeat(40) }),
    );
    expect(message.usage).toMatchObject({ input_tokens: 10, output_tokens: 5 });
    const record = server.requests[0];
    expect(record).toMatchObject({
      seq: 1,
      method: 'POST',
      path: '/v1/messages',
      stream: false,
      model: MODEL,
      systemChars: 40,
      toolNames: ['Bash', 'Write'],
      messageCount: 2,
      assistantMessageCount: 0,
      sessionIndex: 0,
      turnIndex: 0,
      kind: 'agent',
      status: 200,
      outcome: 'played',
      conversationId: 's-1',
    });
    expect(record?.fault).toBeUndefined();
    expect(Number.isNaN(Date.parse(record?.at ?? ''))).toBe(false);
    const expectedChars =
      JSON.stringify('S'.repeat(40)).length +
      JSON.stringify([user('first'), user('second')]).length +
      JSON.stringify(TOOLS).length;
    expect(record?.estimatedInputTokens).toBe(Math.ceil(expectedChars / 4));
    expect(record?.headers).toMatchObject({
      'x-claude-code-session-id': 's-1',
      'x-app': 'cli',
      'anthropic-version': expect.any(String),
    });
    expect(record?.headers['x-api-key']).toBeUndefined();
  });

  it('records whether a credential came and its scheme, never its value', async () => {
    const server = await start(TWO_TURNS);
    await fetch(`${server.url}/v1/count_tokens`, {
      method: 'POST',
      headers: { authorization: 'Bearer secret-token-1', 'x-api-key': 'secret-key-2' },
      body: '{}',
    });
    await fetch(`${server.url}/v1/count_tokens`, { method: 'POST', body: '{}' });
    expect(server.requests.map((request) => request.auth)).toEqual([
      { apiKey: true, authorization: 'Bearer' },
      { apiKey: false, authorization: null },
    ]);
    expect(JSON.stringify(server.requests)).not.toMatch(/secret-(token|key)/);
  });

  it('rejects an unparsable body with 400 and records a failure', async () => {
    const server = await start(TWO_TURNS);
    const response = await fetch(`${server.url}/v1/messages`, { method: 'POST', body: '{oops' });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    expect(server.failures).toEqual([expect.stringMatching(/unparsable JSON body/)]);
  });
});
