import { readFile } from 'node:fs/promises';
import type { HookCallbackMatcher } from '@anthropic-ai/claude-agent-sdk';
import { describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../src/engine/events.js';
import { isAlive } from '../../src/engine/process-tree.js';
import { runSession } from '../../src/engine/session.js';
import { chooseSandbox } from '../../src/session/sandbox.js';
import { type FakeAnthropicServer, startFakeAnthropic } from '../../src/testing/fake-anthropic/index.js';
import { processesWithArg } from '../helpers/cli-process.js';
import { fakeModelEnv, tempDir } from '../helpers/engine-env.js';
import { bash, finalText, oneSession, text, tool } from '../helpers/scenarios.js';

// The real Agent SDK and its bundled Claude Code CLI, driven by the fake model server.

async function collect(stream: AsyncIterable<EngineEvent>, onEvent?: (e: EngineEvent) => void) {
  const events: EngineEvent[] = [];
  for await (const event of stream) {
    events.push(event);
    onEvent?.(event);
  }
  return events;
}

/** Scripted usage of two working turns. */
const TURN_1 = { input_tokens: 1000, output_tokens: 100 };
const TURN_2 = { input_tokens: 2000, output_tokens: 200 };

/**
 * What the bundled CLI charges for `--model sonnet` (claude-sonnet-5-5): $2 per million input tokens, $10
 * per million output tokens (see test/e2e/limits.e2e.test.ts).
 */
const priced = (input: number, output: number) => (input * 2 + output * 10) / 1_000_000;

/** The scripted turns (0-based) the CLI asked for. */
function turnsRequested(server: FakeAnthropicServer): number[] {
  const turns = server.requests
    .filter((r) => r.kind === 'agent' && r.turnIndex !== undefined)
    .map((r) => r.turnIndex as number);
  return [...new Set(turns)].sort((a, b) => a - b);
}

describe('runSession against the fake model', () => {
  it('runs a scripted session that writes a file and runs Bash; a PreToolUse hook sees both calls', async () => {
    await using project = await tempDir('ch-proj-');
    await using config = await tempDir('ch-cfg-');
    const scenario = oneSession(
      {
        content: [
          text('Writing the file.'),
          tool('Write', { file_path: '{{projectDir}}/hello.txt', content: 'hello from the fake model\n' }),
        ],
      },
      {
        expect: { lastToolResultContains: 'hello.txt' },
        content: [bash('cat hello.txt && echo ran > ran.txt')],
      },
      finalText('All done.', { lastToolResultContains: 'hello from the fake model' }),
    );
    const server = await startFakeAnthropic({ scenario, variables: { projectDir: project.path } });
    const hookCalls: { tool: string; input: unknown }[] = [];
    const preToolUse: HookCallbackMatcher = {
      hooks: [
        async (input) => {
          if (input.hook_event_name === 'PreToolUse')
            hookCalls.push({ tool: input.tool_name, input: input.tool_input });
          return { continue: true };
        },
      ],
    };
    try {
      const events = await collect(
        runSession({
          projectDir: project.path,
          prompt: 'Write hello.txt and show it.',
          model: 'sonnet',
          env: fakeModelEnv(server.url, config.path),
          hooks: { PreToolUse: [preToolUse] },
        }),
      );

      expect(server.failures).toEqual([]);
      server.assertComplete();
      expect(await readFile(`${project.path}/hello.txt`, 'utf8')).toBe('hello from the fake model\n');
      expect(await readFile(`${project.path}/ran.txt`, 'utf8')).toBe('ran\n');
      expect(hookCalls.map((c) => c.tool)).toEqual(['Write', 'Bash']);
      expect(hookCalls[1]?.input).toMatchObject({ command: 'cat hello.txt && echo ran > ran.txt' });

      const types = events.map((e) => e.type);
      expect(types[0]).toBe('session_start');
      expect(types.at(-1)).toBe('result');
      expect(
        events.filter((e) => e.type === 'tool_call').map((e) => (e.type === 'tool_call' ? e.name : '')),
      ).toEqual(['Write', 'Bash']);
      const bashResult = events.find((e) => e.type === 'tool_result' && e.content.includes('hello from'));
      expect(bashResult).toMatchObject({ isError: false });
      const result = events.at(-1);
      expect(result).toMatchObject({ type: 'result', ok: true, text: 'All done.', numTurns: 3 });
      if (result?.type === 'result') {
        expect(result.usage.inputTokens).toBeGreaterThan(0);
        expect(result.costUsd).toBeGreaterThan(0);
        expect(result.sessionId).toMatch(/^[0-9a-f-]{36}$/);
      }
    } finally {
      await server.close();
    }
  });

  it('abort stops the CLI and the command it is running, leaving no process behind', async () => {
    await using project = await tempDir('ch-proj-');
    await using config = await tempDir('ch-cfg-');
    const marker = `${Date.now()}4242`;
    const scenario = oneSession(
      { content: [bash(`node -e "setInterval(() => {}, 1000)" ${marker} && echo started`)] },
      finalText('never reached'),
    );
    const server = await startFakeAnthropic({ scenario });
    const abort = new AbortController();
    let cliPid: number | undefined;
    try {
      const events = await collect(
        runSession({
          projectDir: project.path,
          prompt: 'run it',
          model: 'sonnet',
          env: fakeModelEnv(server.url, config.path),
          signal: abort.signal,
          onSpawn: (pid) => {
            cliPid = pid;
          },
          hooks: {
            PostToolUse: [{ hooks: [async () => ({ continue: true })] }],
          },
        }),
        (event) => {
          if (event.type === 'tool_call') {
            // Abort once the long-running command is really running.
            const poll = setInterval(() => {
              if (processesWithArg(marker).length > 0) {
                clearInterval(poll);
                abort.abort();
              }
            }, 20);
          }
        },
      );
      expect(events.at(-1)).toEqual({ type: 'error', kind: 'aborted', message: 'The session was aborted.' });
      expect(cliPid).toBeDefined();
      expect(isAlive(cliPid as number)).toBe(false);
      expect(processesWithArg(marker)).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it('emits one turn per model response with the final usage the model reported, as the result adds up', async () => {
    await using project = await tempDir('ch-proj-');
    await using config = await tempDir('ch-cfg-');
    const scripted = [
      { input_tokens: 1000, output_tokens: 111 },
      { input_tokens: 2000, output_tokens: 222 },
      { input_tokens: 3000, output_tokens: 333 },
    ];
    const scenario = oneSession(
      {
        content: [text('Writing.'), tool('Write', { file_path: '{{projectDir}}/a.txt', content: 'a\n' })],
        usage: scripted[0],
      },
      { content: [bash('cat a.txt')], usage: scripted[1] },
      // A long text: many deltas, one turn.
      { content: [text('done '.repeat(200))], usage: scripted[2] },
    );
    const server = await startFakeAnthropic({ scenario, variables: { projectDir: project.path } });
    try {
      const events = await collect(
        runSession({
          projectDir: project.path,
          prompt: 'go',
          model: 'sonnet',
          env: fakeModelEnv(server.url, config.path),
        }),
      );
      server.assertComplete();
      const turns = events.filter((e) => e.type === 'turn');
      expect(turns.map((t) => t.usage)).toEqual(
        scripted.map((u) => ({
          inputTokens: u.input_tokens,
          outputTokens: u.output_tokens,
          cacheReadInputTokens: 0,
          cacheCreationInputTokens: 0,
        })),
      );
      expect(new Set(turns.map((t) => t.messageId)).size).toBe(3);
      // Each turn follows its response's content: the Write call comes before the first turn.
      expect(events.findIndex((e) => e.type === 'tool_call')).toBeLessThan(
        events.indexOf(turns[0] as EngineEvent),
      );
      const result = events.at(-1);
      expect(result).toMatchObject({
        type: 'result',
        ok: true,
        numTurns: 3,
        usage: { inputTokens: 6000, outputTokens: 666 },
        modelUsage: { inputTokens: 6000, outputTokens: 666 },
      });
    } finally {
      await server.close();
    }
  });

  it('a stop with a grace period ends with what the session cost, and leaves no process behind', async () => {
    await using project = await tempDir('ch-proj-');
    await using config = await tempDir('ch-cfg-');
    const marker = `${Date.now()}4343`;
    const scenario = oneSession(
      { content: [tool('Write', { file_path: '{{projectDir}}/a.txt', content: 'a\n' })], usage: TURN_1 },
      { content: [bash(`node -e "setInterval(() => {}, 1000)" ${marker} && echo started`)], usage: TURN_2 },
      finalText('never reached'),
    );
    const server = await startFakeAnthropic({ scenario, variables: { projectDir: project.path } });
    const abort = new AbortController();
    let cliPid: number | undefined;
    let abortedAt = 0;
    try {
      const events = await collect(
        runSession({
          projectDir: project.path,
          prompt: 'run it',
          model: 'sonnet',
          env: fakeModelEnv(server.url, config.path),
          signal: abort.signal,
          stopGraceMs: 3_000,
          onSpawn: (pid) => {
            cliPid = pid;
          },
        }),
        (event) => {
          if (event.type === 'tool_call' && event.name === 'Bash') {
            const poll = setInterval(() => {
              if (processesWithArg(marker).length > 0) {
                clearInterval(poll);
                abortedAt = Date.now();
                abort.abort();
              }
            }, 20);
          }
        },
      );
      const stoppedIn = Date.now() - abortedAt;
      const last = events.at(-1);
      expect(last).toMatchObject({ type: 'error', kind: 'aborted', message: 'The session was aborted.' });
      // The CLI answered the interrupt with its result: both responses, priced.
      expect(last?.type === 'error' && last.stopResult).toMatchObject({
        ok: false,
        subtype: 'error_during_execution',
        usage: { inputTokens: 3000, outputTokens: 300 },
      });
      if (last?.type === 'error') expect(last.stopResult?.costUsd).toBeCloseTo(priced(3000, 300), 10);
      expect(events.filter((e) => e.type === 'turn').map((e) => e.usage.outputTokens)).toEqual([100, 200]);
      expect(events.filter((e) => e.type === 'error' || e.type === 'result')).toHaveLength(1);
      expect(stoppedIn).toBeLessThan(3_000);
      expect(isAlive(cliPid as number)).toBe(false);
      expect(processesWithArg(marker)).toEqual([]);
      expect(turnsRequested(server)).toEqual([0, 1]);
    } finally {
      await server.close();
    }
  });

  it('a stop while the model streams counts the cut response: its input, and the output the CLI estimates', async () => {
    await using project = await tempDir('ch-proj-');
    await using config = await tempDir('ch-cfg-');
    const scenario = oneSession(
      { content: [tool('Write', { file_path: '{{projectDir}}/a.txt', content: 'a\n' })], usage: TURN_1 },
      // The stream stalls after message_start: the stop comes while the model is "writing".
      { content: [text('slow')], usage: TURN_2, fault: { type: 'hang', seconds: 30 } },
    );
    const server = await startFakeAnthropic({ scenario, variables: { projectDir: project.path } });
    const abort = new AbortController();
    try {
      const events = await collect(
        runSession({
          projectDir: project.path,
          prompt: 'go',
          model: 'sonnet',
          env: fakeModelEnv(server.url, config.path),
          signal: abort.signal,
          stopGraceMs: 3_000,
        }),
        (event) => {
          if (event.type === 'tool_result') setTimeout(() => abort.abort(), 1_000);
        },
      );
      const turns = events.filter((e) => e.type === 'turn').map((e) => e.usage);
      expect(turns.map((u) => [u.inputTokens, u.outputTokens])).toEqual([
        [1000, 100],
        [2000, 1],
      ]);
      const last = events.at(-1);
      expect(last).toMatchObject({ type: 'error', kind: 'aborted' });
      if (last?.type !== 'error') throw new Error('expected the aborted event');
      // The result's own usage leaves the cut response out; its per-model totals and its cost count it.
      expect(last.stopResult?.usage).toMatchObject({ inputTokens: 1000, outputTokens: 100 });
      expect(last.stopResult?.modelUsage).toMatchObject({ inputTokens: 3000, outputTokens: 101 });
      expect(last.stopResult?.costUsd).toBeCloseTo(priced(3000, 101), 10);
    } finally {
      await server.close();
    }
  });

  it('ends with an error result when the API keeps failing', async () => {
    await using project = await tempDir('ch-proj-');
    await using config = await tempDir('ch-cfg-');
    const scenario = oneSession({ fault: { type: 'overloaded', times: 5 }, content: [text('x')] });
    const server = await startFakeAnthropic({ scenario });
    try {
      const events = await collect(
        runSession({
          projectDir: project.path,
          prompt: 'hi',
          model: 'sonnet',
          env: fakeModelEnv(server.url, config.path),
        }),
      );
      const last = events.at(-1);
      expect(last?.type === 'result' || last?.type === 'error').toBe(true);
      if (last?.type === 'result') expect(last.ok).toBe(false);
      expect(server.requests.some((r) => r.fault === 'overloaded')).toBe(true);
    } finally {
      await server.close();
    }
  });

  it('runs Bash inside the OS sandbox (bubblewrap): writes outside the project fail', async () => {
    const choice = chooseSandbox(process.env);
    if (choice.settings === undefined) {
      // .ci/run installs bubblewrap and socat; elsewhere the harness must say what is missing.
      expect(choice.missing.length).toBeGreaterThan(0);
      expect(choice.description).toMatch(/apt-get install/);
      return;
    }
    await using project = await tempDir('ch-proj-');
    await using config = await tempDir('ch-cfg-');
    // Not under $TMPDIR: the sandbox lets Bash write to the project and to $TMPDIR.
    await using outside = await tempDir('ch-outside-', '/var/tmp');
    const scenario = oneSession(
      { content: [bash(`echo inside > inside.txt; echo escaped > ${outside.path}/escaped.txt`)] },
      finalText('done'),
    );
    const server = await startFakeAnthropic({ scenario });
    try {
      const sandbox = choice.settings;
      await collect(
        runSession({
          projectDir: project.path,
          prompt: 'go',
          model: 'sonnet',
          env: fakeModelEnv(server.url, config.path),
          ...(sandbox ? { sandbox } : {}),
        }),
      );
      expect(await readFile(`${project.path}/inside.txt`, 'utf8')).toBe('inside\n');
      await expect(readFile(`${outside.path}/escaped.txt`, 'utf8')).rejects.toThrow(/ENOENT/);
    } finally {
      await server.close();
    }
  });
});
