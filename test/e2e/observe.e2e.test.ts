/**
 * Seeing and controlling a run: --json events on stdout, status --json with exact token figures, the
 * webhook on completion, and the budget stop — the built CLI against the fake model.
 */

import { readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startFakeAnthropic } from '../../src/testing/fake-anthropic/index.js';
import { startCli } from '../helpers/cli-process.js';
import { fakeModelEnv, tempDir } from '../helpers/engine-env.js';
import { initializerSession, passingSession, sessions } from '../helpers/scenarios.js';

const ONE = [{ description: 'say hello' }];
/** Every turn reports the same usage, so totals are exact. */
function withUsage<T extends object>(
  turns: T[],
): (T & { usage: { input_tokens: number; output_tokens: number } })[] {
  return turns.map((turn) => ({ ...turn, usage: { input_tokens: 1000, output_tokens: 100 } }));
}

async function receiver() {
  const bodies: { event: string; details?: Record<string, unknown> }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      bodies.push(JSON.parse(body));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}/hook`, bodies, close: () => new Promise((r) => server.close(r)) };
}

describe('observing a run', () => {
  it('--json streams the events on stdout; status --json reports exact tokens; the webhook hears the end', async () => {
    await using work = await tempDir('ch-obs-');
    await using config = await tempDir('ch-cfg-');
    const projectDir = join(work.path, 'app');
    await writeFile(join(work.path, 'spec.md'), 'Hello.\n');
    const hook = await receiver();
    const server = await startFakeAnthropic({
      variables: { projectDir },
      scenario: sessions(withUsage(initializerSession(ONE)), withUsage(passingSession(ONE, ['F001']))),
    });
    try {
      const args = ['--project-dir', projectDir, '--spec', join(work.path, 'spec.md'), '--no-sandbox'];
      const run = startCli([...args, '--auto-continue-delay', '0', '--json', '--notify-url', hook.url], {
        env: { PATH: process.env.PATH, HOME: process.env.HOME, ...fakeModelEnv(server.url, config.path) },
      });
      const { code, stdout, stderr } = await run.done;
      expect(code).toBe(0);
      // stdout is nothing but JSON lines, the same records as events.jsonl.
      const lines = stdout.trim().split('\n');
      const streamed = lines.map((line) => JSON.parse(line) as { type: string; v: number });
      expect(streamed.every((e) => e.v === 1)).toBe(true);
      const file = (await readFile(join(projectDir, '.claude-harness', 'events.jsonl'), 'utf8'))
        .trim()
        .split('\n');
      expect(lines).toEqual(file);
      expect(streamed.map((e) => e.type)).toEqual(
        expect.arrayContaining([
          'run_start',
          'session_start',
          'tool_call',
          'feature_passed',
          'session_end',
          'run_end',
        ]),
      );
      // People still get their log, on stderr.
      expect(stderr).toContain('All 1 features pass');
      expect(hook.bodies.map((b) => b.event)).toEqual(['run_completed']);

      const status = await startCli(['status', '--project-dir', projectDir, '--json']).done;
      expect(status.code).toBe(0);
      const report = JSON.parse(status.stdout) as {
        features: { total: number; passing: number };
        usage: { inputTokens: number; outputTokens: number; costUsd: number };
      };
      expect(report.features).toMatchObject({ total: 1, passing: 1 });
      const turns = server.requests.filter((r) => r.kind === 'agent').length;
      expect(report.usage.inputTokens).toBe(1000 * turns);
      expect(report.usage.outputTokens).toBe(100 * turns);
      const state = JSON.parse(await readFile(join(projectDir, '.claude-harness', 'state.json'), 'utf8')) as {
        sessions: { costUsd: number }[];
      };
      expect(report.usage.costUsd).toBeCloseTo(
        state.sessions.reduce((sum, s) => sum + s.costUsd, 0),
        10,
      );
    } finally {
      await server.close();
      await hook.close();
    }
  });

  it('stops before a session that would not fit --max-budget-usd, says how to continue, and notifies', async () => {
    await using work = await tempDir('ch-obs-');
    await using config = await tempDir('ch-cfg-');
    const projectDir = join(work.path, 'app');
    await writeFile(join(work.path, 'spec.md'), 'Hello.\n');
    const hook = await receiver();
    const server = await startFakeAnthropic({
      variables: { projectDir },
      scenario: sessions(withUsage(initializerSession(ONE)), withUsage(passingSession(ONE, ['F001']))),
    });
    try {
      const limited = await startCli(
        [
          '--project-dir',
          projectDir,
          '--spec',
          join(work.path, 'spec.md'),
          '--no-sandbox',
          '--auto-continue-delay',
          '0',
          '--max-budget-usd',
          '0.001',
          '--notify-url',
          hook.url,
        ],
        { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...fakeModelEnv(server.url, config.path) } },
      ).done;
      expect(limited.code).toBe(3);
      expect(limited.stdout).toMatch(/Budget (nearly )?reached: .*--max-budget-usd \$0\.0010/);
      expect(limited.stdout).toContain('run the same command again with a higher --max-budget-usd');
      const events = (await readFile(join(projectDir, '.claude-harness', 'events.jsonl'), 'utf8'))
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { type: string; limit?: string });
      // The SDK capped the running session at what was left; then the run stopped before the next one.
      expect(events.filter((e) => e.type === 'budget_stop').at(-1)).toMatchObject({
        limit: 'max-budget-usd',
      });
      expect(events.filter((e) => e.type === 'session_start')).toHaveLength(1);
      expect(hook.bodies.map((b) => b.event)).toEqual(['budget_reached', 'run_stopped']);
    } finally {
      await server.close();
      await hook.close();
    }
  });
});
