import { lstat, mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openEventLog } from '../../src/state/events.js';
import { type IntegrityNotice, onIntegrityNotice } from '../../src/state/integrity.js';
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

  it('refuses an invalid proof', async () => {
    await using project = await tempProject();
    await expect(recordProof(project.path, { ...proof('F001', 'x'), featureId: '' })).rejects.toThrow();
    expect(await latestProofs(project.path)).toEqual([]);
  });
});

describe('a proofs.json that cannot be read', () => {
  let notices: IntegrityNotice[];
  let stop: () => void;
  beforeEach(() => {
    notices = [];
    stop = onIntegrityNotice((n) => notices.push(n));
  });
  afterEach(() => stop());

  const damages: [string, string][] = [
    ['garbage', '\u0000\u0001 not json at all'],
    ['cut short', '{"version":1,"latest":{"F001":{"featureId":"F0'],
    ['the wrong shape', JSON.stringify({ version: 1, latest: [], history: {} })],
    ['empty', ''],
  ];
  for (const [what, text] of damages) {
    it(`is restored from its last good copy when it is ${what}, and nothing proven is lost`, async () => {
      await using project = await tempProject();
      await recordProof(project.path, proof('F001', '2026-01-01T00:00:00.000Z'));
      await recordProof(project.path, proof('F002', '2026-01-02T00:00:00.000Z', 3));
      await writeFile(proofsPath(project.path), text);
      expect((await latestProofs(project.path)).map((p) => [p.featureId, p.counts.passed])).toEqual([
        ['F001', 1],
        ['F002', 3],
      ]);
      expect(notices).toHaveLength(1);
      expect(notices[0]).toMatchObject({ kind: 'recovered', file: 'proofs.json' });
      expect(notices[0]?.message).toMatch(
        /^proofs\.json could not be read \(.+\); recovered from its last good copy/,
      );
      // The bad file is kept aside; the record is whole again, and the next proof adds to it.
      const kept = (await readdir(dirname(proofsPath(project.path)))).filter((f) => f.includes('.corrupt-'));
      expect(kept).toHaveLength(1);
      await recordProof(project.path, proof('F003', '2026-01-03T00:00:00.000Z'));
      expect((await readProofFile(project.path)).history.map((p) => p.featureId)).toEqual([
        'F001',
        'F002',
        'F003',
      ]);
    });
  }

  it('is never recovered over when a newer claude-harness wrote it', async () => {
    await using project = await tempProject();
    await recordProof(project.path, proof('F001', '2026-01-01T00:00:00.000Z'));
    await writeFile(proofsPath(project.path), JSON.stringify({ version: 2, latest: {}, history: [] }));
    await expect(latestProofs(project.path)).rejects.toThrow(/version 2, written by a newer claude-harness/);
    expect(JSON.parse(await readFile(proofsPath(project.path), 'utf8')).version).toBe(2);
    expect(notices).toEqual([]);
  });

  it('is never written through when it is a link to a file outside the project', async () => {
    await using project = await tempProject();
    await using outside = await tempProject({ 'victim.txt': 'OUTSIDE CONTENT\n' });
    await recordProof(project.path, proof('F001', '2026-01-01T00:00:00.000Z'));
    await rm(proofsPath(project.path));
    await symlink(join(outside.path, 'victim.txt'), proofsPath(project.path));
    await recordProof(project.path, proof('F002', '2026-01-02T00:00:00.000Z'));
    expect(await readFile(join(outside.path, 'victim.txt'), 'utf8')).toBe('OUTSIDE CONTENT\n');
    expect((await lstat(proofsPath(project.path))).isSymbolicLink()).toBe(false);
    expect((await latestProofs(project.path)).map((p) => p.featureId)).toEqual(['F001', 'F002']);
    expect(notices.map((n) => n.kind)).toEqual(['link', 'recovered']);
  });

  it('is never read through a link (a link to an outside proofs file does not count)', async () => {
    await using project = await tempProject();
    await using outside = await tempProject();
    await recordProof(outside.path, proof('F009', '2026-01-01T00:00:00.000Z'));
    await mkdir(dirname(proofsPath(project.path)), { recursive: true });
    await symlink(proofsPath(outside.path), proofsPath(project.path));
    expect(await latestProofs(project.path)).toEqual([]);
    expect(notices.map((n) => n.kind)).toEqual(['link']);
  });

  it('is rebuilt from the journal when its last good copy is gone too, saying what was lost', async () => {
    await using project = await tempProject();
    await recordProof(project.path, proof('F001', '2026-01-01T00:00:00.000Z'));
    await recordProof(project.path, proof('F002', '2026-01-02T00:00:00.000Z', 3));
    const events = openEventLog(project.path);
    for (const p of [proof('F001', ''), proof('F002', '', 3)]) {
      events.append({
        type: 'feature_passed',
        featureId: p.featureId,
        command: p.command,
        counts: p.counts,
        commit: 'abc123',
      });
    }
    // The ledger also has F003 passing, with no proof anywhere.
    await writeFile(
      join(dirname(proofsPath(project.path)), 'features.json'),
      JSON.stringify(
        ['F001', 'F002', 'F003'].map((id) => ({
          id,
          category: 'functional',
          description: id,
          steps: ['s'],
          passes: true,
        })),
      ),
    );
    await writeFile(proofsPath(project.path), 'garbage');
    await rm(`${proofsPath(project.path)}.last-good`);
    const latest = await latestProofs(project.path);
    expect(latest.map((p) => [p.featureId, p.command, p.counts.passed, p.exitCode, p.commit])).toEqual([
      ['F001', 'node --test test/F001.test.js', 1, 0, 'abc123'],
      ['F002', 'node --test test/F002.test.js', 3, 0, 'abc123'],
    ]);
    expect(notices).toHaveLength(1);
    expect(notices[0]?.message).toContain(
      'recovered from the events journal (events.jsonl: 2 proofs of F001, F002',
    );
    expect(notices[0]?.message).toContain(
      'their test output, duration and file list were not in the journal',
    );
    expect(notices[0]?.message).toContain('F003 passes in the ledger but no proof of it was found');
    // The rebuilt file has its own last good copy now.
    expect(
      JSON.parse(await readFile(`${proofsPath(project.path)}.last-good`, 'utf8')).latest.F002.counts.passed,
    ).toBe(3);
  });

  it('leaves out of a journal rebuild a proof that a later regression took back', async () => {
    await using project = await tempProject();
    const events = openEventLog(project.path);
    for (const id of ['F001', 'F002']) {
      const p = proof(id, '');
      events.append({
        type: 'feature_passed',
        featureId: id,
        command: p.command,
        counts: p.counts,
        commit: null,
      });
    }
    events.append({ type: 'regression', featureId: 'F001' });
    expect((await latestProofs(project.path)).map((x) => x.featureId)).toEqual(['F002']);
  });

  it('is rebuilt from the journal when it was deleted with its copy, and stays empty in a new project', async () => {
    await using project = await tempProject();
    expect(await latestProofs(project.path)).toEqual([]);
    expect(notices).toEqual([]);
    const p = proof('F001', '');
    openEventLog(project.path).append({
      type: 'feature_passed',
      featureId: 'F001',
      command: p.command,
      counts: p.counts,
      commit: null,
    });
    expect((await latestProofs(project.path)).map((x) => x.featureId)).toEqual(['F001']);
    expect(notices[0]?.message).toContain('it was deleted, and so was its last good copy');
  });
});
