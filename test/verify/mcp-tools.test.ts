import { describe, expect, it } from 'vitest';
import {
  type AssignedFeature,
  createFeatureTools,
  HARNESS_ALLOWED_TOOLS,
  type HarnessToolsOptions,
  type VerificationEvent,
} from '../../src/verify/mcp-server.js';
import type { Proof } from '../../src/verify/proof.js';
import { nodeTestFile, tempProject } from './project.js';

const feature: AssignedFeature = {
  id: 'F001',
  description: 'adds numbers',
  steps: ['add 1 and 2', 'see 3'],
  attempts: 1,
};

function setup(projectDir: string, overrides: Partial<HarnessToolsOptions> = {}) {
  const passes: Proof[] = [];
  const fails: string[] = [];
  const events: VerificationEvent[] = [];
  const tools = createFeatureTools({
    projectDir,
    feature,
    timeoutMs: 20_000,
    killGraceMs: 500,
    onPass: (proof) => {
      passes.push(proof);
    },
    onFail: (reason) => {
      fails.push(reason);
    },
    onEvent: (event) => events.push(event),
    commitInfo: async () => ({ commit: 'abc123', dirty: false }),
    now: () => new Date('2026-02-03T04:05:06.000Z'),
    ...overrides,
  });
  return { tools, passes, fails, events };
}

describe('createFeatureTools', () => {
  it('names the tools the session must approve', () => {
    expect(HARNESS_ALLOWED_TOOLS).toEqual([
      'mcp__harness__feature_current',
      'mcp__harness__feature_pass',
      'mcp__harness__feature_fail',
    ]);
  });

  it('feature_current describes the assigned feature and how to pass it', async () => {
    await using project = await tempProject();
    const { tools } = setup(project.path);
    const answer = await tools.featureCurrent();
    expect(answer.isError).toBe(false);
    expect(JSON.parse(answer.text)).toMatchObject({
      id: 'F001',
      steps: feature.steps,
      attempts: 1,
      status: 'open',
    });
  });

  it('rejects every cheat, tells why, and only an honest passing test calls onPass', async () => {
    await using project = await tempProject({
      'test/f001.test.js': nodeTestFile(2),
      'test/failing.test.js': nodeTestFile(1, 1),
      'test/skipped.test.js': nodeTestFile(2).replace("test('passes 1'", "test.skip('passes 1'"),
      'test/only.test.js': nodeTestFile(2).replace("test('passes 1'", "test.only('passes 1'"),
      'test/empty.test.js': "import test from 'node:test';\ntest('works', () => {});\n",
    });
    await project.write(
      'package.json',
      JSON.stringify({ type: 'module', scripts: { test: 'node --test test/f001.test.js || true' } }),
    );
    const { tools, passes, events } = setup(project.path, { redact: (t) => t.replaceAll('pass', 'p*ss') });
    const cheats: [string, RegExp][] = [
      ['true', /`true` is not a test runner invocation/],
      ['npm test || true', /\|\| true/],
      ['npm test', /script "test".*\|\| true/],
      ['node --test test/f001.test.js; exit 0', /; exit 0/],
      ['node --test test/skipped.test.js', /test\.skip/],
      ['node --test test/only.test.js', /test\.only/],
      ['node --test test/empty.test.js', /has no assertion/],
      ['node --test test/failing.test.js', /exited with code 1 \(1 passed, 1 failed/],
      ['node --test ../elsewhere.test.js', /outside the project/],
    ];
    for (const [command, why] of cheats) {
      const answer = await tools.featurePass({ id: 'F001', test_command: command });
      expect(answer.isError, command).toBe(true);
      expect(answer.text, command).toMatch(/^REJECTED: F001 does not pass\./);
      expect(answer.text, command).toMatch(why);
    }
    // The failing run's output reaches the agent (redacted).
    const failing = events.find((e) => e.outcome === 'rejected' && e.command.includes('failing'));
    expect(failing).toMatchObject({ stage: 'run' });
    expect(passes).toEqual([]);

    const wrong = await tools.featurePass({ id: 'F002', test_command: 'node --test test/f001.test.js' });
    expect(wrong).toMatchObject({ isError: true, text: /assigned F001; it cannot decide about F002/ });

    const honest = await tools.featurePass({ id: 'F001', test_command: 'node --test test/f001.test.js' });
    expect(honest.isError).toBe(false);
    expect(honest.text).toMatch(/^VERIFIED: F001 passes \(2 passed, 0 failed, 0 skipped, 2 total/);
    expect(passes).toHaveLength(1);
    expect(passes[0]).toMatchObject({
      featureId: 'F001',
      command: 'node --test test/f001.test.js',
      runner: 'node',
      exitCode: 0,
      counts: { passed: 2, failed: 0, skipped: 0, total: 2 },
      commit: 'abc123',
      dirty: false,
      files: ['test/f001.test.js'],
      at: '2026-02-03T04:05:06.000Z',
    });
    expect(passes[0]?.outputTail).toMatch(/# p\*ss 2/);
    expect(tools.status).toBe('passed');
    expect(events.filter((e) => e.outcome === 'rejected')).toHaveLength(cheats.length + 1);

    const again = await tools.featurePass({ id: 'F001', test_command: 'node --test test/f001.test.js' });
    expect(again).toMatchObject({ isError: true, text: /already verified/ });
    expect(passes).toHaveLength(1);
  });

  it('the failing run answer carries the output tail', async () => {
    await using project = await tempProject({ 'test/failing.test.js': nodeTestFile(1, 1) });
    const { tools } = setup(project.path);
    const answer = await tools.featurePass({ id: 'F001', test_command: 'node --test' });
    expect(answer.text).toMatch(/Output \(end\):\n[\s\S]*not ok 2 - fails 0/);
    expect(answer.text).toMatch(/call feature_pass again, or give up with feature_fail/);
  });

  it('feature_fail gives up the attempt once', async () => {
    await using project = await tempProject();
    const { tools, fails } = setup(project.path);
    expect(await tools.featureFail({ id: 'F002', reason: 'x' })).toMatchObject({ isError: true });
    expect(await tools.featureFail({ id: 'F001', reason: ' the API is down ' })).toMatchObject({
      isError: false,
      text: /F001 was not finished \(the API is down\)/,
    });
    expect(fails).toEqual(['the API is down']);
    expect(await tools.featurePass({ id: 'F001', test_command: 'node --test' })).toMatchObject({
      isError: true,
      text: /given up/,
    });
  });

  it('reports a pass the harness could not record, and lets the agent retry', async () => {
    await using project = await tempProject({ 'test/f001.test.js': nodeTestFile(1) });
    let calls = 0;
    const { tools } = setup(project.path, {
      onPass: () => {
        calls += 1;
        if (calls === 1) throw new Error('disk full');
      },
    });
    const first = await tools.featurePass({ id: 'F001', test_command: 'node --test' });
    expect(first).toMatchObject({ isError: true, text: /could not record it \(disk full\)/ });
    expect(tools.status).toBe('open');
    expect(await tools.featurePass({ id: 'F001', test_command: 'node --test' })).toMatchObject({
      isError: false,
    });
  });
});
