import type { CanUseTool, SDKMessage } from '@anthropic-ai/claude-agent-sdk';
import { describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../src/engine/events.js';
import { createClaudeProcessSpawner } from '../../src/engine/process-tree.js';
import { buildQueryOptions, runSession } from '../../src/engine/session.js';
import { startFakeAnthropic } from '../../src/testing/fake-anthropic/index.js';
import {
  createHarnessMcpServer,
  FEATURE_CURRENT_TOOL,
  FEATURE_FAIL_TOOL,
  FEATURE_PASS_TOOL,
  HARNESS_ALLOWED_TOOLS,
} from '../../src/verify/mcp-server.js';
import type { Proof } from '../../src/verify/proof.js';
import { fakeModelEnv, tempDir } from '../helpers/engine-env.js';
import { finalText, oneSession, tool } from '../helpers/scenarios.js';
import { nodeTestFile, tempProject } from './project.js';

// The real Agent SDK and its bundled Claude Code CLI call the in-process `harness` server; the model is the
// scripted fake server.

const feature = { id: 'F001', description: 'adds numbers', steps: ['add 1 and 2'], attempts: 0 };

describe('the harness MCP server in a real session', () => {
  it('rejects `true` and a skipped test, then verifies an honest passing test and calls onPass', async () => {
    await using project = await tempProject({
      'test/f001.test.js': nodeTestFile(3),
      'test/skipped.test.js': nodeTestFile(2).replace("test('passes 1'", "test.skip('passes 1'"),
    });
    await using config = await tempDir('ch-cfg-');
    const scenario = oneSession(
      { content: [tool(FEATURE_CURRENT_TOOL, {})] },
      {
        expect: { lastToolResultContains: '"id": "F001"', lastToolResultIsError: false },
        content: [tool(FEATURE_PASS_TOOL, { id: 'F001', test_command: 'true' })],
      },
      {
        expect: { lastToolResultContains: 'REJECTED: F001 does not pass', lastToolResultIsError: true },
        content: [tool(FEATURE_PASS_TOOL, { id: 'F001', test_command: 'node --test test/skipped.test.js' })],
      },
      {
        expect: { lastToolResultContains: 'test.skip', lastToolResultIsError: true },
        content: [tool(FEATURE_PASS_TOOL, { id: 'F001', test_command: 'node --test test/f001.test.js' })],
      },
      finalText('Done.', {
        lastToolResultContains: 'VERIFIED: F001 passes (3 passed',
        lastToolResultIsError: false,
      }),
    );
    const server = await startFakeAnthropic({ scenario });
    const passes: Proof[] = [];
    const harness = await createHarnessMcpServer({
      projectDir: project.path,
      feature,
      timeoutMs: 20_000,
      onPass: (proof) => {
        passes.push(proof);
      },
      onFail: () => {
        throw new Error('not expected');
      },
      commitInfo: async () => ({ commit: null, dirty: true }),
    });
    try {
      const events: EngineEvent[] = [];
      for await (const event of runSession({
        projectDir: project.path,
        prompt: 'Implement F001 and prove it.',
        model: 'sonnet',
        env: fakeModelEnv(server.url, config.path),
        mcpServers: { harness },
        maxTurns: 10,
      })) {
        events.push(event);
      }
      expect(server.failures).toEqual([]);
      server.assertComplete();
      expect(events.at(-1)).toMatchObject({ type: 'result', ok: true });
      // The tools were offered to the model on its first request (alwaysLoad: not deferred).
      const first = server.requests.find((r) => r.turnIndex === 0);
      expect(first?.toolNames).toEqual(expect.arrayContaining([...HARNESS_ALLOWED_TOOLS]));
      expect(passes).toHaveLength(1);
      expect(passes[0]).toMatchObject({
        featureId: 'F001',
        command: 'node --test test/f001.test.js',
        exitCode: 0,
        counts: { passed: 3, failed: 0, skipped: 0, total: 3 },
      });
    } finally {
      await server.close();
    }
  });

  it('allowedTools alone approves the tools (canUseTool denies everything here)', async () => {
    await using project = await tempProject();
    await using config = await tempDir('ch-cfg-');
    const scenario = oneSession(
      { content: [tool(FEATURE_FAIL_TOOL, { id: 'F001', reason: 'blocked by the spec' })] },
      finalText('Gave up.', {
        lastToolResultContains: 'F001 was not finished',
        lastToolResultIsError: false,
      }),
    );
    const server = await startFakeAnthropic({ scenario });
    const fails: string[] = [];
    const harness = await createHarnessMcpServer({
      projectDir: project.path,
      feature,
      timeoutMs: 20_000,
      onPass: () => undefined,
      onFail: (reason) => {
        fails.push(reason);
      },
    });
    const denyAll: CanUseTool = async () => ({ behavior: 'deny', message: 'denied by the test' });
    const abort = new AbortController();
    const spawner = createClaudeProcessSpawner();
    const options = {
      ...buildQueryOptions(
        {
          projectDir: project.path,
          prompt: 'go',
          model: 'sonnet',
          env: fakeModelEnv(server.url, config.path),
          mcpServers: { harness },
          canUseTool: denyAll,
          maxTurns: 4,
        },
        abort,
        spawner.spawn,
      ),
      allowedTools: [...HARNESS_ALLOWED_TOOLS],
    };
    try {
      const { query } = await import('@anthropic-ai/claude-agent-sdk');
      let result: SDKMessage | undefined;
      for await (const message of query({ prompt: 'go', options })) {
        if (message.type === 'result') {
          result = message;
          break;
        }
      }
      expect(server.failures).toEqual([]);
      expect(result).toMatchObject({ type: 'result', is_error: false });
      expect(fails).toEqual(['blocked by the spec']);
    } finally {
      abort.abort();
      await spawner.terminateAll();
      await server.close();
    }
  });
});
