import { lstat, mkdir, mkdtemp, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { withFileLock } from '../../src/state/file-lock.js';
import { type IntegrityNotice, onIntegrityNotice } from '../../src/state/integrity.js';

let base: string;
let notices: IntegrityNotice[];
let stop: () => void;

beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'file-lock-'));
  await mkdir(join(base, 'project/.claude-harness'), { recursive: true });
  await mkdir(join(base, 'outside'));
  notices = [];
  stop = onIntegrityNotice((n) => notices.push(n));
});
afterEach(async () => {
  stop();
  await rm(base, { recursive: true, force: true });
});

describe('withFileLock', () => {
  it('removes a link planted as the lock folder instead of following it', async () => {
    const file = join(base, 'project/.claude-harness/proofs.json');
    const outside = join(base, 'outside');
    // An old folder: through the link, proper-lockfile would take it for a stale lock and fail to remove it.
    const old = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000);
    await utimes(outside, old, old);
    await symlink(outside, `${file}.lock`, 'dir');
    const ran = await withFileLock(file, async (lost) => {
      expect(lost()).toBeUndefined();
      expect((await lstat(`${file}.lock`)).isDirectory()).toBe(true);
      return 'ran';
    });
    expect(ran).toBe('ran');
    expect(Math.round((await stat(outside)).mtimeMs)).toBe(old.getTime());
    expect(notices).toEqual([
      expect.objectContaining({ kind: 'link', file: '.claude-harness/proofs.json.lock', target: outside }),
    ]);
  });

  it('removes a file where the lock folder belongs', async () => {
    const file = join(base, 'project/.claude-harness/state.json');
    await writeFile(`${file}.lock`, 'x');
    expect(await withFileLock(file, async () => 1)).toBe(1);
    expect(notices.map((n) => n.kind)).toEqual(['not-a-file']);
  });
});
