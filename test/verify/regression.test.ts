import { describe, expect, it } from 'vitest';
import type { Proof } from '../../src/verify/proof.js';
import { pickSample, runRegressionChecks } from '../../src/verify/regression.js';
import { nodeTestFile, tempProject } from './project.js';

const proofFor = (featureId: string, command: string): Proof => ({
  featureId,
  command,
  exitCode: 0,
  durationMs: 1,
  counts: { passed: 1, failed: 0, skipped: 0, total: 1 },
  outputTail: '',
  commit: null,
  at: '2026-01-01T00:00:00.000Z',
});

describe('pickSample', () => {
  it('takes all, or a uniform sample kept in order', () => {
    const items = ['a', 'b', 'c', 'd', 'e'];
    expect(pickSample(items, 'all', Math.random)).toEqual(items);
    expect(pickSample(items, 9, Math.random)).toEqual(items);
    expect(pickSample(items, 0, Math.random)).toEqual([]);
    expect(pickSample(items, 2, () => 0)).toEqual(['a', 'b']);
    expect(pickSample(items, 2, () => 0.99)).toEqual(['a', 'e']);
  });
});

describe('runRegressionChecks', () => {
  it('re-runs recorded commands and reports which features broke, and why', async () => {
    await using project = await tempProject({
      'test/f001.test.js': nodeTestFile(2),
      'test/f002.test.js': nodeTestFile(1, 1),
      'test/f003.test.js': nodeTestFile(1),
    });
    // F003's test was later marked skipped; F004's test file was deleted.
    await project.write(
      'test/f003.test.js',
      nodeTestFile(1).replace("test('passes 0'", "test.skip('passes 0'"),
    );
    const proofs = [
      proofFor('F001', 'node --test test/f001.test.js'),
      proofFor('F002', 'node --test test/f002.test.js'),
      proofFor('F003', 'node --test test/f003.test.js'),
      proofFor('F004', 'node --test test/f004.test.js'),
    ];
    const results = await runRegressionChecks({
      projectDir: project.path,
      proofs,
      sample: 'all',
      timeoutMs: 20_000,
    });
    expect(results.map((r) => [r.featureId, r.ok])).toEqual([
      ['F001', true],
      ['F002', false],
      ['F003', false],
      ['F004', false],
    ]);
    expect(results[0]?.run?.counts).toMatchObject({ passed: 2 });
    expect(results[1]?.reason).toMatch(/exited with code 1/);
    expect(results[1]?.run?.outputTail).toMatch(/not ok/);
    expect(results[2]).toMatchObject({ reason: /test\.skip/, run: undefined });
    expect(results[3]).toMatchObject({ reason: /does not exist in the project/, run: undefined });
  });

  it('checks only the sample', async () => {
    await using project = await tempProject({ 'test/f001.test.js': nodeTestFile(1) });
    const proofs = [proofFor('F001', 'node --test test/f001.test.js'), proofFor('F002', 'true')];
    const results = await runRegressionChecks({
      projectDir: project.path,
      proofs,
      sample: 1,
      timeoutMs: 20_000,
      random: () => 0.99,
    });
    expect(results).toMatchObject([{ featureId: 'F002', ok: false, reason: /not a test runner/ }]);
  });
});
