import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StateVersionError } from '../../src/state/errors.js';
import { openEventLog } from '../../src/state/events.js';
import { type IntegrityNotice, onIntegrityNotice } from '../../src/state/integrity.js';
import { countedAttempts, INTERRUPTED_REASON } from '../../src/state/mutations.js';
import { freshState, stateSchema } from '../../src/state/schema.js';
import { openState } from '../../src/state/store.js';
import { distModule, runNode } from './helpers.js';

const NOW = new Date('2026-11-25T10:00:00.000Z');
const at = NOW.toISOString();

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'state-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const open = () => openState(dir, { now: () => NOW });
const stateFile = () => join(dir, '.claude-harness', 'state.json');

describe('StateStore basics', () => {
  it('loads a fresh state without writing anything', async () => {
    expect(await open().load()).toEqual(freshState());
    await expect(readdir(dir)).resolves.toEqual([]);
  });

  it('writes versioned, schema-valid JSON with every update', async () => {
    const store = open();
    await store.startRun({ mode: 'greenfield', model: 'sonnet', specPath: '/p/app_spec.txt' });
    const text = await readFile(stateFile(), 'utf8');
    expect(text.endsWith('}\n')).toBe(true);
    const saved = stateSchema.parse(JSON.parse(text));
    expect(saved.version).toBe(1);
    expect(saved.run).toEqual({
      startedAt: at,
      lastStartedAt: at,
      starts: 1,
      mode: 'greenfield',
      model: 'sonnet',
      specPath: '/p/app_spec.txt',
    });
    await store.startRun({ mode: 'enhancement', model: 'opus' });
    expect((await store.load()).run).toMatchObject({ starts: 2, mode: 'enhancement', specPath: null });
  });

  it('update returns what the change returns and leaves no temp file behind', async () => {
    const store = open();
    expect(await store.update((s) => s.sessions.length)).toBe(0);
    expect(await readdir(join(dir, '.claude-harness'))).toEqual(['state.json', 'state.json.last-good']);
  });

  it('refuses to write a state that breaks the schema', async () => {
    const store = open();
    await store.startRun({ mode: 'greenfield', model: 'sonnet' });
    const before = await readFile(stateFile(), 'utf8');
    await expect(
      store.update((s) => {
        s.consecutiveFailedSessions = -1;
      }),
    ).rejects.toThrow();
    expect(await readFile(stateFile(), 'utf8')).toBe(before);
  });
});

describe('sessions and attempts', () => {
  it('numbers sessions, records the attempt at the end and keeps totals', async () => {
    const store = open();
    expect(await store.beginSession({ kind: 'initializer' })).toBe(1);
    await store.endSession(1, 'passed', { costUsd: 0.5, tokens: { input: 100, output: 20 }, turns: 7 });
    const n = await store.beginSession({ kind: 'coding', featureId: 'F001', cliPid: 4242 });
    expect(n).toBe(2);
    await store.patchSession(n, { sdkSessionId: 'sdk-2' });
    expect(await store.endSession(n, 'failed', { reason: 'tests fail', costUsd: 0.25, turns: 3 })).toBe(true);

    const state = await store.load();
    expect(state.sessions[1]).toEqual({
      number: 2,
      kind: 'coding',
      featureId: 'F001',
      attempt: 1,
      startedAt: at,
      endedAt: at,
      outcome: 'failed',
      reason: 'tests fail',
      sdkSessionId: 'sdk-2',
      costUsd: 0.25,
      tokens: { input: 0, output: 0 },
      turns: 3,
      cliPid: 4242,
      harnessPid: process.pid,
    });
    expect(state.features.F001).toEqual({
      attempts: [{ session: 2, outcome: 'failed', reason: 'tests fail', at }],
    });
    expect(state.totals).toEqual({ sessions: 2, costUsd: 0.75, inputTokens: 100, outputTokens: 20 });
    expect(state.consecutiveFailedSessions).toBe(1);
    expect(await store.beginSession({ kind: 'coding', featureId: 'F001' })).toBe(3);
    expect((await store.load()).sessions[2]?.attempt).toBe(2);
  });

  it('never counts an attempt twice', async () => {
    const store = open();
    const n = await store.beginSession({ kind: 'coding' });
    expect(await store.endSession(n, 'timeout', { featureId: 'F003' })).toBe(true);
    expect(await store.endSession(n, 'failed')).toBe(false);
    expect(await store.recordAttempt('F003', { session: n, outcome: 'failed' })).toBe(false);
    const state = await store.load();
    expect(state.features.F003?.attempts).toEqual([{ session: n, outcome: 'timeout', at }]);
    expect(state.sessions[0]?.outcome).toBe('timeout');
  });

  it('counts only the feature’s own failures against --max-retries', async () => {
    const store = open();
    for (const outcome of ['failed', 'api-error', 'interrupted', 'timeout', 'aborted'] as const) {
      const n = await store.beginSession({ kind: 'coding', featureId: 'F001' });
      await store.endSession(n, outcome);
    }
    const state = await store.load();
    expect(countedAttempts(state, 'F001')).toBe(3);
    // api-error counts as a failed session, interrupted does not, passed resets.
    expect(state.consecutiveFailedSessions).toBe(4);
    const n = await store.beginSession({ kind: 'coding', featureId: 'F002' });
    await store.endSession(n, 'passed');
    expect((await store.load()).consecutiveFailedSessions).toBe(0);
  });

  it('marks a session left running by a dead harness interrupted exactly once', async () => {
    const first = open();
    await first.startRun({ mode: 'greenfield', model: 'sonnet' });
    const n = await first.beginSession({ kind: 'coding', featureId: 'F002' });
    // The harness "crashes" here: the session is never ended. A new run opens the same project.
    const resumed = open();
    expect(await resumed.markRunningSessionsInterrupted()).toEqual([n]);
    expect(await resumed.markRunningSessionsInterrupted()).toEqual([]);
    expect(await resumed.endSession(n, 'failed')).toBe(false);
    const state = await resumed.load();
    expect(state.sessions[0]).toMatchObject({
      outcome: 'interrupted',
      endedAt: at,
      reason: INTERRUPTED_REASON,
    });
    expect(state.features.F002?.attempts).toEqual([
      { session: n, outcome: 'interrupted', reason: INTERRUPTED_REASON, at },
    ]);
  });

  it('marks a session interrupted after its harness process really died', async () => {
    const script = `
      const { openState } = await import(${JSON.stringify(distModule('state/store.js'))});
      const store = openState(process.argv[1]);
      await store.beginSession({ kind: 'coding', featureId: 'F009' });
      process.kill(process.pid, 'SIGKILL');
    `;
    const child = await runNode(script, [dir]);
    expect(child.code).toBeNull();
    const store = open();
    expect((await store.load()).sessions[0]?.outcome).toBe('running');
    await store.markRunningSessionsInterrupted();
    await store.markRunningSessionsInterrupted();
    expect((await store.load()).features.F009?.attempts).toHaveLength(1);
  });

  it('skips and resets features', async () => {
    const store = open();
    const n = await store.beginSession({ kind: 'coding', featureId: 'F004' });
    await store.endSession(n, 'failed');
    await store.skipFeature('F004', 'failed 3 times');
    await store.skipFeature('F005', 'blocked');
    expect((await store.load()).features.F004?.skipped).toEqual({ reason: 'failed 3 times', at });
    expect(await store.resetSkipped(['F004', 'F999'])).toEqual(['F004']);
    expect((await store.load()).features.F004).toEqual({ attempts: [] });
    expect(await store.resetSkipped('all')).toEqual(['F005']);
    expect((await store.load()).features.F005?.skipped).toBeUndefined();
  });

  it('assigns feature ids and never reissues one', async () => {
    const store = open();
    const first = await store.assignFeatureIds([
      { category: 'functional', description: 'a', steps: ['s'], passes: false },
      { category: 'functional', description: 'b', steps: ['s'], passes: false },
    ]);
    expect(first.map((f) => f.id)).toEqual(['F001', 'F002']);
    // F002 was removed from the list; a new feature must not get its id back.
    const [kept] = first;
    if (kept === undefined) throw new Error('no feature');
    const second = await store.assignFeatureIds([
      kept,
      { category: 'functional', description: 'c', steps: ['s'], passes: false },
    ]);
    expect(second.map((f) => f.id)).toEqual(['F001', 'F003']);
    expect((await store.load()).lastFeatureNumber).toBe(3);
  });
});

describe('concurrent updates', () => {
  it('loses no update across async updaters and child processes, and no reader sees a torn file', async () => {
    const store = open();
    await store.update(() => undefined);
    const perWriter = 25;
    const script = `
      const { openState } = await import(${JSON.stringify(distModule('state/store.js'))});
      const store = openState(process.argv[1]);
      for (let i = 0; i < Number(process.argv[2]); i++) {
        await store.update((s) => { s.totals.sessions += 1; s.totals.costUsd += 1; });
      }
    `;
    let reading = true;
    let torn = 0;
    let reads = 0;
    const reader = (async () => {
      while (reading) {
        const text = await readFile(stateFile(), 'utf8');
        reads++;
        try {
          stateSchema.parse(JSON.parse(text));
        } catch {
          torn++;
        }
      }
    })();
    const inProcess = [1, 2, 3].map(async () => {
      for (let i = 0; i < perWriter; i++) {
        await store.update((s) => {
          s.totals.sessions += 1;
          s.totals.costUsd += 1;
        });
      }
    });
    const children = [1, 2, 3].map(() => runNode(script, [dir, String(perWriter)]));
    const results = await Promise.all(children);
    await Promise.all(inProcess);
    reading = false;
    await reader;
    for (const result of results) expect(result, result.stderr).toMatchObject({ code: 0 });
    const totals = (await store.load()).totals;
    expect(totals.sessions).toBe(6 * perWriter);
    expect(totals.costUsd).toBe(6 * perWriter);
    expect(reads).toBeGreaterThan(0);
    expect(torn).toBe(0);
  });
});

describe('a state file that cannot be read', () => {
  let notices: IntegrityNotice[];
  let stop: () => void;
  beforeEach(() => {
    notices = [];
    stop = onIntegrityNotice((notice) => notices.push(notice));
  });
  afterEach(() => stop());

  /** A state with a run, a failed coding session on F002 and a skip; then `content` over state.json. */
  async function seedThenDamage(content: string | undefined, options: { copy?: string } = {}) {
    const store = open();
    await store.startRun({ mode: 'greenfield', model: 'sonnet' });
    const n = await store.beginSession({ kind: 'coding', featureId: 'F002' });
    await store.endSession(n, 'failed', { reason: 'tests fail', costUsd: 0.5 });
    await store.skipFeature('F002', '1 failed attempt');
    const good = await store.load();
    if (content === undefined) await rm(stateFile());
    else await writeFile(stateFile(), content);
    if (options.copy !== undefined) await writeFile(`${stateFile()}.last-good`, options.copy);
    return good;
  }

  const corruptFiles = async () =>
    (await readdir(join(dir, '.claude-harness'))).filter((f) => f.startsWith('state.json.corrupt-'));

  it.each([
    ['garbage', 'not json at all \u0000\u0001'],
    ['a truncated file', '{"version": 1,\n  "run": nul'],
    ['the wrong shape', JSON.stringify({ ...freshState(), sessions: [{ number: 'one' }] })],
    ['an empty file', ''],
  ])('recovers %s from the last good copy, keeps the bad file and says so once', async (_name, bad) => {
    const good = await seedThenDamage(bad);
    expect(await open().load()).toEqual(good);
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({ kind: 'recovered', file: 'state.json' });
    expect(notices[0]?.message).toMatch(
      /^state\.json could not be read \(.+\); recovered from its last good copy/,
    );
    const aside = await corruptFiles();
    expect(aside).toEqual(['state.json.corrupt-2026-11-25T10-00-00.000Z']);
    expect(await readFile(join(dir, '.claude-harness', aside[0] ?? ''), 'utf8')).toBe(bad);
    // Restored on disk: the next read needs no recovery.
    expect(stateSchema.parse(JSON.parse(await readFile(stateFile(), 'utf8')))).toEqual(good);
    expect(await open().load()).toEqual(good);
    expect(notices).toHaveLength(1);
  });

  it('names the field of a wrong shape', async () => {
    await seedThenDamage(JSON.stringify({ ...freshState(), sessions: [{ number: 'one' }] }));
    await open().load();
    expect(notices[0]?.message).toMatch(/does not have the expected shape \(sessions\[0\]\.number: /);
  });

  it('recovers a deleted state.json from its copy', async () => {
    const good = await seedThenDamage(undefined);
    expect(await open().load()).toEqual(good);
    expect(notices[0]?.message).toContain('state.json could not be read (it was deleted)');
  });

  it('an update recovers first and then applies its change, never failing the run', async () => {
    await seedThenDamage('[1, 2');
    const n = await open().beginSession({ kind: 'initializer' });
    expect(n).toBe(2);
    expect((await open().load()).sessions.map((s) => s.number)).toEqual([1, 2]);
    expect(await corruptFiles()).toHaveLength(1);
  });

  it('rebuilds from the events journal when the last good copy is bad too', async () => {
    const good = await seedThenDamage('garbage', { copy: '{"version": 1' });
    const events = openEventLog(dir, { now: () => NOW });
    events.append({ type: 'run_start', mode: 'greenfield', model: 'sonnet' });
    events.append({ type: 'session_start', session: 1, kind: 'coding', featureId: 'F002' });
    events.append({
      type: 'session_end',
      session: 1,
      kind: 'coding',
      featureId: 'F002',
      outcome: 'failed',
      reason: 'tests fail',
      costUsd: 0.5,
    });
    events.append({ type: 'feature_skipped', featureId: 'F002', reason: '1 failed attempt' });
    events.append({ type: 'session_start', session: 2, kind: 'coding', featureId: 'F003' });
    const rebuilt = await open().load();
    expect(rebuilt.sessions.map((s) => [s.number, s.featureId, s.outcome, s.reason])).toEqual([
      [1, 'F002', 'failed', 'tests fail'],
      // Its end is not in the journal: the resume marks it interrupted.
      [2, 'F003', 'running', undefined],
    ]);
    expect(rebuilt.features).toEqual(good.features);
    expect(countedAttempts(rebuilt, 'F002')).toBe(1);
    expect(rebuilt.totals).toMatchObject({ sessions: 2, costUsd: 0.5 });
    expect(rebuilt.consecutiveFailedSessions).toBe(1);
    expect(rebuilt.lastFeatureNumber).toBe(3);
    expect(rebuilt.run).toMatchObject({ mode: 'greenfield', model: 'sonnet', starts: 1 });
    expect(notices).toHaveLength(1);
    expect(notices[0]?.message).toMatch(
      /^state\.json could not be read \(it is not valid JSON.*, and its last good copy is unreadable too \(.+\)\); recovered from the events journal \(events\.jsonl: 2 sessions/,
    );
    expect(await open().load()).toEqual(rebuilt);
  });

  it('rebuilds an empty state when there is no journal either, and says so', async () => {
    await seedThenDamage('garbage', { copy: 'garbage' });
    expect(await open().load()).toEqual(freshState());
    expect(notices[0]?.message).toContain('recovered from the events journal (events.jsonl: 0 sessions');
  });

  it('leaves a newer version untouched', async () => {
    await open().update(() => undefined);
    const newer = JSON.stringify({ version: 2, whatever: true });
    await writeFile(stateFile(), newer);
    const error = await open()
      .load()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StateVersionError);
    expect((error as Error).message).toContain('newer claude-harness');
    expect(await readFile(stateFile(), 'utf8')).toBe(newer);
  });
});
