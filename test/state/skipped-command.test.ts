import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CommandIO } from '../../src/cli/io.js';
import { UsageError } from '../../src/errors/index.js';
import { assignIds, writeFeatureList } from '../../src/ledger/feature-list.js';
import { openEventLog } from '../../src/state/events.js';
import { runSkippedCommand } from '../../src/state/skipped-command.js';
import { openState } from '../../src/state/store.js';

const NOW = new Date('2026-11-25T10:00:00.000Z');
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skipped-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function fakeIO(cwd = dir): CommandIO & { output(): string } {
  const out = new PassThrough();
  let text = '';
  out.setEncoding('utf8').on('data', (chunk: string) => {
    text += chunk;
  });
  return {
    out,
    err: new PassThrough(),
    env: {},
    signal: new AbortController().signal,
    cwd,
    output: () => text,
  };
}

async function seed(): Promise<void> {
  await writeFeatureList(
    dir,
    assignIds([
      { category: 'functional', description: 'User can log in', steps: ['s'], passes: false },
      { category: 'functional', description: 'User can log out', steps: ['s'], passes: false },
      { category: 'style', description: 'Dark mode', steps: ['s'], passes: true },
    ]),
  );
  const store = openState(dir, { now: () => NOW });
  for (const outcome of ['failed', 'timeout'] as const) {
    const n = await store.beginSession({ kind: 'coding', featureId: 'F001' });
    await store.endSession(n, outcome, { reason: `${outcome} reason` });
  }
  await store.skipFeature('F001', 'failed 2 counted attempts (--max-retries 2)');
  await store.skipFeature('F002', 'blocked by F001');
  const n = await store.beginSession({ kind: 'coding', featureId: 'F003' });
  await store.endSession(n, 'passed');
}

describe('claude-harness skipped', () => {
  it('lists skipped features with descriptions, reasons and attempts', async () => {
    await seed();
    const io = fakeIO();
    expect(await runSkippedCommand({ projectDir: dir }, io)).toBe(0);
    expect(io.output()).toBe(
      [
        `2 skipped features in ${dir}:`,
        '  F001  User can log in',
        '      skipped 2026-11-25T10:00:00.000Z: failed 2 counted attempts (--max-retries 2)',
        '      session 1, 2026-11-25T10:00:00.000Z: failed: failed reason',
        '      session 2, 2026-11-25T10:00:00.000Z: timeout: timeout reason',
        '  F002  User can log out',
        '      skipped 2026-11-25T10:00:00.000Z: blocked by F001',
        `Retry with: claude-harness skipped --project-dir ${dir} --reset ID… (or --all)`,
        '',
      ].join('\n'),
    );
  });

  it('prints JSON', async () => {
    await seed();
    const io = fakeIO();
    await runSkippedCommand({ projectDir: dir, json: true }, io);
    const parsed = JSON.parse(io.output()) as {
      projectDir: string;
      skipped: { id: string; attempts: unknown[] }[];
    };
    expect(parsed.projectDir).toBe(dir);
    expect(parsed.skipped.map((s) => [s.id, s.attempts.length])).toEqual([
      ['F001', 2],
      ['F002', 0],
    ]);
  });

  it('resolves a relative --project-dir against the working directory', async () => {
    await seed();
    const io = fakeIO(dirname(dir));
    await runSkippedCommand({ projectDir: basename(dir), json: true }, io);
    expect((JSON.parse(io.output()) as { skipped: unknown[] }).skipped).toHaveLength(2);
  });

  it('resets the named features so they are retried, keeping the cleared attempts in events.jsonl', async () => {
    await seed();
    const io = fakeIO();
    expect(await runSkippedCommand({ projectDir: dir, reset: ['F001'] }, io)).toBe(0);
    expect(io.output()).toBe('Reset F001: the next run will try it again.\n');
    const state = await openState(dir).load();
    expect(state.features.F001).toEqual({ attempts: [] });
    expect(state.features.F002?.skipped).toBeDefined();
    const [event] = openEventLog(dir).read();
    expect(event).toMatchObject({ type: 'features_reset', ids: ['F001'] });
    const cleared = (event?.cleared ?? {}) as Record<string, { attempts: unknown[] }>;
    expect(cleared.F001?.attempts).toHaveLength(2);
  });

  it('resets every skipped feature with --all', async () => {
    await seed();
    const io = fakeIO();
    await runSkippedCommand({ projectDir: dir, reset: 'all', json: true }, io);
    expect(JSON.parse(io.output())).toEqual({ projectDir: dir, reset: ['F001', 'F002'] });
    const again = fakeIO();
    await runSkippedCommand({ projectDir: dir }, again);
    expect(again.output()).toBe(`No skipped features in ${dir}.\n`);
  });

  it('refuses ids that are not skipped, changing nothing', async () => {
    await seed();
    const error = await runSkippedCommand(
      { projectDir: dir, reset: ['F001', 'F003', 'F404'] },
      fakeIO(),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toBe(`not skipped in ${dir}: F003, F404 (skipped: F001, F002)`);
    expect((await openState(dir).load()).features.F001?.attempts).toHaveLength(2);
  });

  it('rejects an empty --reset and a missing folder', async () => {
    await expect(runSkippedCommand({ projectDir: dir, reset: [] }, fakeIO())).rejects.toThrow(
      /--reset needs/,
    );
    await expect(runSkippedCommand({ projectDir: join(dir, 'nope') }, fakeIO())).rejects.toThrow(
      /is not a folder/,
    );
  });

  it('says so, and writes nothing, in a folder that never had a run', async () => {
    const io = fakeIO();
    expect(await runSkippedCommand({ projectDir: dir }, io)).toBe(0);
    expect(io.output()).toBe(
      `No harness state in ${dir} (no .claude-harness/state.json): nothing was skipped.\n`,
    );
    expect(existsSync(join(dir, '.claude-harness'))).toBe(false);
  });
});
