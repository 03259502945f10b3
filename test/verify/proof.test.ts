import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { latestProofs, type Proof, proofsPath, readProofFile, recordProof } from '../../src/verify/proof.js';
import { tempProject } from './project.js';

const proof = (featureId: string, at: string, passed = 1): Proof => ({
  featureId,
  command: `node --test test/${featureId}.test.js`,
  runner: 'node',
  exitCode: 0,
  durationMs: 120,
  counts: { passed, failed: 0, skipped: 0, total: passed },
  outputTail: '# pass 1',
  commit: null,
  dirty: true,
  files: [`test/${featureId}.test.js`],
  at,
});

describe('proof store', () => {
  it('keeps the latest proof per feature and the whole history', async () => {
    await using project = await tempProject();
    expect(await latestProofs(project.path)).toEqual([]);
    await recordProof(project.path, proof('F001', '2026-01-01T00:00:00.000Z'));
    await recordProof(project.path, proof('F002', '2026-01-02T00:00:00.000Z'));
    await recordProof(project.path, proof('F001', '2026-01-03T00:00:00.000Z', 4));
    const latest = await latestProofs(project.path);
    expect(latest.map((p) => [p.featureId, p.counts.passed])).toEqual([
      ['F001', 4],
      ['F002', 1],
    ]);
    const file = await readProofFile(project.path);
    expect(file.history.map((p) => p.at.slice(0, 10))).toEqual(['2026-01-01', '2026-01-02', '2026-01-03']);
    expect(JSON.parse(await readFile(proofsPath(project.path), 'utf8')).version).toBe(1);
  });

  it('records concurrent proofs without losing one', async () => {
    await using project = await tempProject();
    await Promise.all(
      ['F001', 'F002', 'F003', 'F004'].map((id) =>
        recordProof(project.path, proof(id, new Date().toISOString())),
      ),
    );
    expect((await latestProofs(project.path)).map((p) => p.featureId).sort()).toEqual([
      'F001',
      'F002',
      'F003',
      'F004',
    ]);
  });

  it('refuses an invalid proof and never overwrites a file it cannot read', async () => {
    await using project = await tempProject();
    await expect(recordProof(project.path, { ...proof('F001', 'x'), featureId: '' })).rejects.toThrow();
    await mkdir(dirname(proofsPath(project.path)), { recursive: true });
    await writeFile(proofsPath(project.path), '{"version":1,"latest":{}');
    await expect(recordProof(project.path, proof('F001', 'x'))).rejects.toThrow(
      /not valid JSON; it was left as it is/,
    );
    expect(await readFile(proofsPath(project.path), 'utf8')).toBe('{"version":1,"latest":{}');
  });
});
