import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { IdentifiedFeature } from '../../src/ledger/feature-list.js';
import { ownedListPath, readOwnedList, writeOwnedList } from '../../src/ledger/owned-list.js';
import { markSpecPlanned, plannedSpecHash } from '../../src/ledger/planned-spec.js';
import { RecordUnrecoverableError } from '../../src/state/errors.js';
import { openEventLog } from '../../src/state/events.js';
import { type IntegrityNotice, onIntegrityNotice } from '../../src/state/integrity.js';
import { recordProof } from '../../src/verify/proof.js';

const features: IdentifiedFeature[] = [
  { id: 'F001', category: 'functional', description: 'add a todo', steps: ['type'], passes: true },
  { id: 'F002', category: 'functional', description: 'delete a todo', steps: ['click'], passes: false },
];

let dir: string;
let notices: IntegrityNotice[];
let stop: () => void;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ledger-'));
  notices = [];
  stop = onIntegrityNotice((n) => notices.push(n));
});
afterEach(async () => {
  stop();
  await rm(dir, { recursive: true, force: true });
});

const proofOf = (featureId: string) => ({
  featureId,
  command: `node --test tests/${featureId}.test.js`,
  exitCode: 0,
  durationMs: 5,
  counts: { passed: 1, failed: 0, skipped: 0, total: 1 },
  outputTail: 'ok',
  commit: null,
  at: '2026-11-25T10:00:00.000Z',
});

/** The list written by the harness (F001 proven), then `damage` applied. */
async function seed(damage: { owned?: string | null; copy?: string | null; view?: string | null }) {
  await writeOwnedList(dir, features);
  await recordProof(dir, proofOf('F001'));
  openEventLog(dir).append({ type: 'feature_list_accepted', count: 2 });
  const put = async (path: string, content: string | null | undefined) => {
    if (content === null) await rm(path);
    else if (content !== undefined) await writeFile(path, content);
  };
  await put(ownedListPath(dir), damage.owned);
  await put(`${ownedListPath(dir)}.last-good`, damage.copy);
  await put(join(dir, 'feature_list.json'), damage.view);
}

describe('a harness feature list that cannot be read', () => {
  it.each([
    ['garbage', 'garbage'],
    ['a truncated file', '[{"id": "F001", "categ'],
    ['the wrong shape', JSON.stringify([{ id: 'F001', passes: 'yes' }])],
    ['a deleted file', null],
  ])('recovers %s from its last good copy', async (_name, bad) => {
    await seed({ owned: bad });
    expect(await readOwnedList(dir)).toEqual(features);
    expect(notices).toHaveLength(1);
    expect(notices[0]?.message).toMatch(
      /^features\.json could not be read \(.+\); recovered from its last good copy/,
    );
    expect(JSON.parse(await readFile(ownedListPath(dir), 'utf8'))).toEqual(features);
  });

  it('rebuilds from feature_list.json with "passes" only where a proof was recorded', async () => {
    // The view claims both pass; only F001 has a proof.
    const forged = features.map((f) => ({ ...f, passes: true }));
    await seed({ owned: 'garbage', copy: '[', view: JSON.stringify(forged) });
    expect((await readOwnedList(dir))?.map((f) => [f.id, f.passes])).toEqual([
      ['F001', true],
      ['F002', false],
    ]);
    expect(notices[0]?.message).toContain(
      'recovered from feature_list.json, with "passes" only where proofs.json holds a proof (1 of 2 pass)',
    );
    const aside = (await readdir(join(dir, '.claude-harness'))).filter((f) => f.includes('.corrupt-'));
    expect(aside).toHaveLength(1);
  });

  it('takes the proofs from the events journal when proofs.json and its copy are unreadable too', async () => {
    await seed({ owned: 'garbage', copy: null });
    await writeFile(join(dir, '.claude-harness', 'proofs.json'), '{');
    await writeFile(join(dir, '.claude-harness', 'proofs.json.last-good'), '{');
    const passed = (featureId: string) => ({
      type: 'feature_passed',
      featureId,
      command: `node --test tests/${featureId}.test.js`,
      counts: { passed: 1, failed: 0, skipped: 0, total: 1 },
    });
    openEventLog(dir).append(passed('F002'));
    openEventLog(dir).append(passed('F001'));
    openEventLog(dir).append({ type: 'regression', featureId: 'F002' });
    // F002's proof was taken back by its regression: only F001 passes.
    expect((await readOwnedList(dir))?.map((f) => f.passes)).toEqual([true, false]);
    expect(notices.map((n) => n.message).join('\n')).toContain(
      'proofs.json could not be read (it is not valid JSON, and its last good copy is unreadable too',
    );
    expect(notices.map((n) => n.message).join('\n')).toContain('recovered from the events journal');
  });

  it('treats a list deleted with its copy as lost once the harness had accepted one', async () => {
    await seed({ owned: null, copy: null });
    expect((await readOwnedList(dir))?.map((f) => f.id)).toEqual(['F001', 'F002']);
    expect(notices[0]?.message).toContain('it was deleted, and so was its last good copy');
  });

  it('knows a list was accepted from the state when the journal is gone too', async () => {
    await seed({ owned: null, copy: null });
    await rm(join(dir, '.claude-harness', 'events.jsonl'));
    await writeFile(join(dir, '.claude-harness', 'state.json'), JSON.stringify({ lastFeatureNumber: 2 }));
    expect((await readOwnedList(dir))?.map((f) => [f.id, f.passes])).toEqual([
      ['F001', true],
      ['F002', false],
    ]);
  });

  it('is simply missing before the harness accepted a list', async () => {
    expect(await readOwnedList(dir)).toBeUndefined();
    expect(notices).toEqual([]);
  });

  it('stops with an error naming the file and how to reset it when nothing can be recovered', async () => {
    await seed({ owned: 'garbage', copy: 'garbage', view: 'garbage' });
    const error = await readOwnedList(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RecordUnrecoverableError);
    expect((error as RecordUnrecoverableError).exitCode).toBe(2);
    expect((error as Error).message).toContain('.claude-harness/features.json');
    expect((error as Error).message).toContain('git checkout -- feature_list.json');
    // Nothing was overwritten.
    expect(await readFile(ownedListPath(dir), 'utf8')).toBe('garbage');
  });
});

describe('the planned-spec hash', () => {
  it('is recovered from its last good copy', async () => {
    await writeFile(join(dir, 'app_spec.txt'), 'spec');
    await markSpecPlanned(dir);
    const hash = await plannedSpecHash(dir);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    await writeFile(join(dir, '.claude-harness', 'planned-spec.sha256'), 'xx');
    expect(await plannedSpecHash(dir)).toBe(hash);
    expect(notices[0]?.message).toMatch(
      /^planned-spec\.sha256 could not be read \(it is not a SHA-256 hash\)/,
    );
  });
});
