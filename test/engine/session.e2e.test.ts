import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { HookCallbackMatcher } from '@anthropic-ai/claude-agent-sdk';
import { describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../src/engine/events.js';
import { isAlive, listProcesses } from '../../src/engine/process-tree.js';
import { runSession } from '../../src/engine/session.js';
import { chooseSandbox } from '../../src/session/sandbox.js';
import { startFakeAnthropic } from '../../src/testing/fake-anthropic/index.js';
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

function processesWithArg(marker: string): number[] {
  return listProcesses()
    .filter((p) => {
      try {
        return readFileSync(`/proc/${p.pid}/cmdline`, 'utf8').includes(marker);
      } catch {
        return false;
      }
    })
    .filter((p) => p.state !== 'Z')
    .map((p) => p.pid);
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
