import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StateCorruptError, StateVersionError } from '../../src/state/errors.js';
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
    expect(await readdir(join(dir, '.claude-harness'))).toEqual(['state.json']);
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
  async function corruptAndLoad(content: string): Promise<StateCorruptError> {
    const store = open();
    await store.update(() => undefined);
    await writeFile(stateFile(), content);
    const error = await store.load().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StateCorruptError);
    return error as StateCorruptError;
  }

  it('moves bad JSON aside, says where and how to continue, and starts fresh next time', async () => {
    const error = await corruptAndLoad('{"version": 1,\n  "run": nul');
    expect(error.exitCode).toBe(2);
    expect(error.code).toBe('HARNESS_STATE_CORRUPT');
    expect(error.movedTo).toBe(`${stateFile()}.corrupt-2026-11-25T10-00-00.000Z`);
    expect(error.message).toContain('it is not valid JSON at line 2, column 10');
    expect(error.message).toContain(`It was moved to ${error.movedTo}`);
    expect(error.message).toContain('Rerun the same command to continue');
    expect(await readFile(error.movedTo, 'utf8')).toBe('{"version": 1,\n  "run": nul');
    expect(await open().load()).toEqual(freshState());
  });

  it('moves aside a file of the wrong shape, naming the field', async () => {
    const bad = { ...freshState(), sessions: [{ number: 'one' }] };
    const error = await corruptAndLoad(JSON.stringify(bad));
    expect(error.message).toMatch(/does not have the expected shape \(sessions\[0\]\.number: /);
  });

  it('moves aside an empty file, and never reuses a corrupt-file name', async () => {
    const first = await corruptAndLoad('');
    const second = await corruptAndLoad('garbage');
    expect(first.message).toContain('the file is empty');
    expect(second.movedTo).toBe(`${first.movedTo}-2`);
  });

  it('fails an update the same way instead of overwriting the file', async () => {
    const store = open();
    await store.update(() => undefined);
    await writeFile(stateFile(), '[1, 2');
    await expect(store.beginSession({ kind: 'initializer' })).rejects.toBeInstanceOf(StateCorruptError);
    const files = await readdir(join(dir, '.claude-harness'));
    expect(files.filter((f) => f.startsWith('state.json.corrupt-'))).toHaveLength(1);
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
