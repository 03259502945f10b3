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
import {
  finalText,
  initializerSession,
  passingSession,
  sessions,
  text,
  tool,
  writeScript,
} from '../helpers/scenarios.js';

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

describe('--mode validation', () => {
  it('re-runs the recorded tests of passing features, and flips back the ones that broke', async () => {
    await using work = await tempDir('ch-val-');
    await using config = await tempDir('ch-cfg-');
    const projectDir = join(work.path, 'app');
    await writeFile(join(work.path, 'spec.md'), 'Hello.\n');
    const two = [{ description: 'one' }, { description: 'two' }];
    const server = await startFakeAnthropic({
      variables: { projectDir },
      scenario: sessions(
        initializerSession(two),
        passingSession(two, ['F001']),
        passingSession(two, ['F001', 'F002']),
      ),
    });
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, ...fakeModelEnv(server.url, config.path) };
    const base = ['--project-dir', projectDir, '--no-sandbox', '--auto-continue-delay', '0'];
    try {
      expect((await startCli([...base, '--spec', join(work.path, 'spec.md')], { env }).done).code).toBe(0);
      const ok = await startCli([...base, '--mode', 'validation'], { env }).done;
      expect(ok.code).toBe(0);
      expect(ok.stdout).toContain('All 2 still pass.');
      // Break F002's test: validation catches it and marks the feature failing again.
      await writeFile(
        join(projectDir, 'tests', 'F002.test.js'),
        "import { test } from 'node:test';\nimport assert from 'node:assert/strict';\ntest('F002 works', () => { assert.equal(1 + 1, 3); });\n",
      );
      const broken = await startCli([...base, '--mode', 'validation'], { env }).done;
      expect(broken.code).toBe(1);
      expect(broken.stdout).toContain('✗ F002');
      const list = JSON.parse(await readFile(join(projectDir, 'feature_list.json'), 'utf8')) as {
        id: string;
        passes: boolean;
      }[];
      expect(list.map((f) => [f.id, f.passes])).toEqual([
        ['F001', true],
        ['F002', false],
      ]);
    } finally {
      await server.close();
    }
  });
});

describe('regression checks in the loop', () => {
  it('a later session breaks a passing feature; the next session’s check flips it back and says so', async () => {
    await using work = await tempDir('ch-reg-');
    await using config = await tempDir('ch-cfg-');
    const projectDir = join(work.path, 'app');
    await writeFile(join(work.path, 'spec.md'), 'Hello.\n');
    const two = [{ description: 'one' }, { description: 'two' }];
    const breakF001 = writeScript(
      'tests/F001.test.js',
      "import { test } from 'node:test';\nimport assert from 'node:assert/strict';\ntest('F001 works', () => { assert.equal(1 + 1, 3); });",
    );
    const server = await startFakeAnthropic({
      variables: { projectDir },
      scenario: sessions(
        initializerSession(two),
        passingSession(two, ['F001']),
        // Working on F002, the agent breaks F001's test and stops.
        [breakF001, finalText('Stopping here.')],
        [{ expect: { userMessageContains: 'F001 passed before' }, content: [text('I will repair it.')] }],
      ),
    });
    try {
      const run = await startCli(
        [
          '--project-dir',
          projectDir,
          '--spec',
          join(work.path, 'spec.md'),
          '--no-sandbox',
          '--auto-continue-delay',
          '0',
          '--max-iterations',
          '4',
        ],
        { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...fakeModelEnv(server.url, config.path) } },
      ).done;
      expect(server.failures).toEqual([]);
      expect(run.code).toBe(3);
      expect(run.stdout).toContain('✗ regression: F001 no longer passes');
      const list = JSON.parse(await readFile(join(projectDir, 'feature_list.json'), 'utf8')) as {
        passes: boolean;
      }[];
      expect(list.map((f) => f.passes)).toEqual([false, false]);
      const events = (await readFile(join(projectDir, '.claude-harness', 'events.jsonl'), 'utf8'))
        .trim()
        .split('\n');
      expect(events.some((line) => JSON.parse(line).type === 'regression')).toBe(true);
    } finally {
      await server.close();
    }
  });
});

describe('--mode enhancement on a planned project', () => {
  it('plans the new spec as new entries the harness appends, then builds them; old entries stay as they were', async () => {
    await using work = await tempDir('ch-enh-');
    await using config = await tempDir('ch-cfg-');
    const projectDir = join(work.path, 'app');
    await writeFile(join(work.path, 'spec.md'), 'Hello.\n');
    await writeFile(join(work.path, 'change.md'), 'Also say goodbye.\n');
    const one = [{ description: 'say hello' }];
    const server = await startFakeAnthropic({
      variables: { projectDir },
      scenario: sessions(
        initializerSession(one),
        passingSession(one, ['F001']),
        [
          {
            expect: { userMessageContains: 'new_features.json' },
            content: [
              tool('Write', {
                file_path: '{{projectDir}}/new_features.json',
                content: JSON.stringify([
                  { category: 'x', description: 'say goodbye', steps: ['Step 1: run it'], passes: true },
                ]),
              }),
            ],
          },
          finalText('Planned.'),
        ],
        passingSession(one, ['F001', 'F002']),
      ),
    });
    const env = { PATH: process.env.PATH, ...fakeModelEnv(server.url, config.path) };
    const base = ['--project-dir', projectDir, '--no-sandbox', '--auto-continue-delay', '0'];
    try {
      expect((await startCli([...base, '--spec', join(work.path, 'spec.md')], { env }).done).code).toBe(0);
      const run = await startCli([...base, '--mode', 'enhancement', '--spec', join(work.path, 'change.md')], {
        env,
      }).done;
      expect(server.failures).toEqual([]);
      server.assertComplete();
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('1 new enhancement feature appended: F002');
      const list = JSON.parse(await readFile(join(projectDir, 'feature_list.json'), 'utf8')) as {
        id: string;
        category: string;
        description: string;
        passes: boolean;
      }[];
      expect(list.map((f) => [f.id, f.category, f.description, f.passes])).toEqual([
        ['F001', 'functional', 'say hello', true],
        ['F002', 'enhancement', 'say goodbye', true],
      ]);
    } finally {
      await server.close();
    }
  });
});
