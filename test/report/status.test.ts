import { appendFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { lstat, mkdir, mkdtemp, rm, symlink, unlink } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExitCode, UsageError } from '../../src/errors/index.js';
import { assignIds, writeFeatureList } from '../../src/ledger/feature-list.js';
import { ownedListPath } from '../../src/ledger/owned-list.js';
import {
  collectStatus,
  formatDuration,
  formatStatus,
  progressBar,
  type RunStatus,
  readEventsTail,
  runStatusCommand,
  STATUS_JSON_VERSION,
} from '../../src/report/status.js';
import { openEventLog } from '../../src/state/events.js';
import { eventsPath, runLockPath, statePath } from '../../src/state/paths.js';
import { readStartTicks } from '../../src/state/proc.js';
import { buildFixture, FEATURES, SECRET, XSS } from './fixture.js';
import { fakeIO } from './io.js';

const NOW = new Date('2026-11-20T09:00:00.000Z');
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'status-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('collectStatus', () => {
  it('counts features, sessions, time, tokens and cost exactly', async () => {
    await buildFixture(dir);
    const status = await collectStatus(dir, { now: () => NOW });
    expect(status.statusVersion).toBe(STATUS_JSON_VERSION);
    expect(status.features).toMatchObject({ total: 5, passing: 1, failing: 1, pending: 2, skipped: 1 });
    expect(status.features.listSource).toBe('harness');
    expect(status.features.skippedFeatures).toEqual([
      {
        id: 'F002',
        description: 'User can log out',
        reason: `3 failed attempts: ${XSS}`,
        at: expect.any(String),
        attempts: 3,
      },
    ]);
    expect(status.features.failingFeatures.map((f) => f.id)).toEqual(['F001']);
    expect(status.sessions.total).toBe(7);
    expect(status.sessions.byOutcome).toEqual({ passed: 3, failed: 2, timeout: 1, running: 1 });
    expect(status.usage.costUsd).toBeCloseTo(1.75, 10);
    expect(status.usage).toMatchObject({ inputTokens: 3000, outputTokens: 4200 });
    expect(status.sessions.last).toMatchObject({
      number: 6,
      featureId: 'F003',
      description: 'Dark mode',
      outcome: 'passed',
      costUsd: 0.4,
      tokens: { input: 700, output: 800 },
      durationMs: 5 * 60_000,
    });
    expect(status.sessions.current).toMatchObject({
      number: 7,
      featureId: 'F004',
      description: 'Search works',
      outcome: 'running',
      toolCalls: 2,
      toolCallsComplete: true,
      denials: 0,
      lastTool: 'Bash npm test …',
      stale: true,
    });
    expect(status.harness.state).toBe('stopped');
    expect(status.run).toMatchObject({ mode: 'greenfield', model: 'sonnet', starts: 1 });
    // Sessions ran 3+4+7+3+3+5 minutes. No harness runs, so the running one counts to its last event
    // (08:59, 3 minutes after its start), not to NOW.
    expect(status.time.sessionTimeMs).toBe(28 * 60_000);
    expect(status.sessions.current?.durationMs).toBe(3 * 60_000);
    expect(status.events.recent).toHaveLength(10);
    expect(status.events.recent.at(-1)).toMatchObject({
      type: 'tool_call',
      session: 7,
      text: '→ Bash npm test …',
    });
    expect(status.events.lastRunExitCode).toBeNull();
  });

  it('sees a live harness through run.lock, and the exit code of a finished run', async () => {
    await buildFixture(dir);
    const lock = { pid: process.pid, startedAt: NOW.toISOString(), hostname: hostname() };
    const pidStart = readStartTicks(process.pid);
    writeFileSync(runLockPath(dir), JSON.stringify(pidStart ? { ...lock, pidStart } : lock));
    let status = await collectStatus(dir, { now: () => NOW });
    expect(status.harness).toMatchObject({ state: 'running', pid: process.pid });
    expect(status.sessions.current?.stale).toBe(false);
    // With a live harness, the running session counts up to now.
    expect(status.sessions.current?.durationMs).toBe(4 * 60_000);
    expect(status.time.sessionTimeMs).toBe(29 * 60_000);
    expect(status.time.elapsedMs).toBe(NOW.getTime() - Date.parse(status.run?.startedAt ?? ''));

    writeFileSync(runLockPath(dir), JSON.stringify({ ...lock, hostname: 'elsewhere.example' }));
    status = await collectStatus(dir, { now: () => NOW });
    expect(status.harness).toMatchObject({ state: 'unknown', hostname: 'elsewhere.example' });

    await unlink(runLockPath(dir));
    openEventLog(dir).append({ type: 'run_end', exitCode: 3 });
    status = await collectStatus(dir, { now: () => NOW });
    expect(status.harness.state).toBe('stopped');
    expect(status.events.lastRunExitCode).toBe(3);
  });

  it('falls back to feature_list.json before the harness has its own copy', async () => {
    await buildFixture(dir);
    await unlink(ownedListPath(dir));
    const [first, second, third] = assignIds(FEATURES);
    if (!first || !second || !third) throw new Error('fixture');
    await writeFeatureList(dir, [{ ...first, passes: true }, second, third]);
    const status = await collectStatus(dir, { now: () => NOW });
    expect(status.features.listSource).toBe('feature_list.json');
    expect(status.features).toMatchObject({ total: 3, passing: 1, skipped: 1 });
  });

  it('says when there is no feature list yet', async () => {
    await buildFixture(dir);
    await unlink(ownedListPath(dir));
    await unlink(join(dir, 'feature_list.json'));
    const status = await collectStatus(dir, { now: () => NOW });
    expect(status.features).toMatchObject({ total: 0, listSource: 'none' });
    expect(formatStatus(status)).toContain('no feature list yet');
  });

  it('reads only the end of a large events.jsonl', async () => {
    await buildFixture(dir);
    // 2 MB of older events in front of the tail.
    const filler = `${JSON.stringify({ v: 1, at: NOW.toISOString(), type: 'tool_result', session: 1, id: 'x', isError: false, size: 1 })}\n`;
    const text = filler.repeat(Math.ceil(2_000_000 / filler.length));
    const original = readFileSync(eventsPath(dir), 'utf8');
    writeFileSync(eventsPath(dir), text + original);

    const tail = await readEventsTail(dir, 4096);
    expect(tail.partial).toBe(true);
    expect(tail.sizeBytes).toBeGreaterThan(2_000_000);
    // Every record read is whole: the line cut by the 4 KiB boundary was dropped.
    for (const event of tail.events) expect(event.v).toBe(1);
    expect(tail.events.at(-1)?.type).toBe('tool_call');

    // With a tail too short to reach the running session's start, its tool-call count is a lower bound.
    const status = await collectStatus(dir, { now: () => NOW, tailBytes: 300 });
    expect(status.sessions.current?.toolCallsComplete).toBe(false);
    expect(formatStatus(status)).toMatch(/\d\+ tool call/);
  });

  it('skips a line torn by a crash', async () => {
    await buildFixture(dir);
    appendFileSync(eventsPath(dir), '{"v":1,"at":"2026-11-20T09:00:00Z","type":"tool_ca');
    const tail = await readEventsTail(dir);
    expect(tail.events.at(-1)?.type).toBe('tool_call');
  });

  it('is fast on 1,000 features, 2,000 sessions and a 20 MB event log', async () => {
    await writeLargeProject(dir, 1000, 2000, 20_000_000);
    const start = performance.now();
    const status = await collectStatus(dir);
    const ms = performance.now() - start;
    expect(status.features.total).toBe(1000);
    expect(status.sessions.total).toBe(2000);
    // In-process; bench/status.mjs times the whole command against its 300 ms target.
    expect(ms).toBeLessThan(1000);
  });
});

describe('claude-harness status', () => {
  it('prints a human summary', async () => {
    await buildFixture(dir);
    const io = fakeIO(dir);
    expect(await runStatusCommand({ projectDir: basename(dir) }, { ...io, cwd: join(dir, '..') })).toBe(
      ExitCode.ok,
    );
    const text = io.output();
    expect(text).toContain(`claude-harness status · ${dir}`);
    expect(text).toContain('Features:  1/5 passing · 1 failing · 1 skipped · 2 not tried yet');
    expect(text).toContain('Now:       session 7 coding F004 (attempt 1)');
    expect(text).toContain('Last:      session 6 coding F003 passed');
    expect(text).toContain('Usage:     3,000 in / 4,200 out tokens · $1.7500');
    expect(text).toContain('Skipped (1):');
    expect(text).toContain('F002  User can log out');
    expect(text).toContain(`claude-harness skipped --project-dir ${dir} --reset`);
  });

  it('prints the documented JSON, with secrets redacted', async () => {
    await buildFixture(dir);
    openEventLog(dir).append({ type: 'feature_skipped', featureId: 'F005', reason: `leaked ${SECRET}` });
    const io = fakeIO(dir, { MY_API_TOKEN: SECRET });
    await runStatusCommand({ projectDir: dir, json: true }, io);
    const status = JSON.parse(io.output()) as RunStatus;
    expect(Object.keys(status)).toEqual([
      'statusVersion',
      'projectDir',
      'generatedAt',
      'run',
      'harness',
      'features',
      'sessions',
      'time',
      'usage',
      'events',
    ]);
    expect(status.features.passing).toBe(1);
    expect(io.output()).not.toContain(SECRET);
    expect(io.output()).toContain('[REDACTED:MY_API_TOKEN]');
  });

  it('cannot be steered by control characters in the project', async () => {
    await buildFixture(dir);
    openEventLog(dir).append({
      type: 'feature_skipped',
      featureId: 'F005',
      reason: 'red \u001b[31mALERT\u001b[0m',
    });
    const io = fakeIO(dir);
    await runStatusCommand({ projectDir: dir }, io);
    expect(io.output()).not.toContain('\u001b');
    expect(io.output()).toContain('red ALERT');
  });

  it('names what to run when there is no project or no run (exit 2), and never moves state.json', async () => {
    const io = fakeIO(dir);
    const missing = join(dir, 'nope');
    await expect(runStatusCommand({ projectDir: missing }, io)).rejects.toThrow(UsageError);
    await expect(runStatusCommand({ projectDir: missing }, io)).rejects.toThrow(/is not a folder/);

    const error = await runStatusCommand({ projectDir: dir }, io).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).exitCode).toBe(2);
    expect((error as Error).message).toContain(`claude-harness --project-dir ${dir} --spec FILE`);
    expect(existsSync(join(dir, '.claude-harness'))).toBe(false);

    await mkdir(join(dir, '.claude-harness'));
    writeFileSync(statePath(dir), '{ not json');
    await expect(runStatusCommand({ projectDir: dir }, io)).rejects.toThrow(
      /could not be read: it is not valid JSON/,
    );
    expect(readdirSync(join(dir, '.claude-harness'))).toEqual(['state.json']);

    writeFileSync(statePath(dir), JSON.stringify({ version: 9 }));
    await expect(runStatusCommand({ projectDir: dir }, io)).rejects.toThrow(/newer claude-harness/);
  });
});

describe('status and records it cannot read', () => {
  it('shows a state.json it cannot read from its last good copy, as the next run restores it', async () => {
    await buildFixture(dir);
    const good = readFileSync(statePath(dir), 'utf8');
    writeFileSync(`${statePath(dir)}.last-good`, good);
    writeFileSync(statePath(dir), '{ cut sh');
    const io = fakeIO(dir);
    await runStatusCommand({ projectDir: dir }, io);
    expect(io.output()).toContain(
      'note: .claude-harness/state.json could not be read (it is not valid JSON at line 1, column 3',
    );
    expect(io.output()).toContain('showing its last good copy, which the next run restores');
    expect(io.output()).toMatch(/Features: {2}1\/5 passing/);
    // Read-only: nothing was moved or restored.
    expect(readFileSync(statePath(dir), 'utf8')).toBe('{ cut sh');
    const json = await collectStatus(dir, { now: () => NOW });
    expect(json.features.stateProblem).toMatch(/^\.claude-harness\/state\.json could not be read/);
  });

  it('says the next run rebuilds the state from the journal when the copy is unreadable too', async () => {
    await buildFixture(dir);
    writeFileSync(statePath(dir), '{ not json');
    writeFileSync(`${statePath(dir)}.last-good`, '[]');
    const error = await runStatusCommand({ projectDir: dir }, fakeIO(dir)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toContain('its last good copy could not be read either');
    expect((error as Error).message).toContain('rebuilds the state from the events journal');
    expect((error as Error).message).not.toContain('fresh state');
  });

  it('never reads state.json, events.jsonl or run.lock through a link, and leaves the links alone', async () => {
    await buildFixture(dir);
    const outside = await mkdtemp(join(tmpdir(), 'status-outside-'));
    try {
      const good = readFileSync(statePath(dir), 'utf8');
      writeFileSync(`${statePath(dir)}.last-good`, good);
      // An outside "state" with 99 sessions and an outside journal with a marker.
      const forged = JSON.parse(good);
      forged.totals.sessions = 99;
      writeFileSync(join(outside, 'state.json'), JSON.stringify(forged));
      writeFileSync(
        join(outside, 'events.jsonl'),
        `${JSON.stringify({ v: 1, at: NOW.toISOString(), type: 'session_start', session: 1, kind: 'coding', featureId: 'OUTSIDE_MARKER_51' })}\n`,
      );
      await unlink(statePath(dir));
      await symlink(join(outside, 'state.json'), statePath(dir));
      await unlink(eventsPath(dir));
      await symlink(join(outside, 'events.jsonl'), eventsPath(dir));
      await symlink(join(outside, 'state.json'), runLockPath(dir));
      const status = await collectStatus(dir, { now: () => NOW });
      expect(status.features.stateProblem).toContain(
        '.claude-harness/state.json is a symbolic link: the harness reads only real files in the project',
      );
      expect(JSON.stringify(status)).not.toContain('OUTSIDE_MARKER_51');
      expect(status.sessions.total).not.toBe(99);
      expect(status.harness.state).toBe('stopped');
      expect((await lstat(statePath(dir))).isSymbolicLink()).toBe(true);
      expect((await lstat(eventsPath(dir))).isSymbolicLink()).toBe(true);
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });
});

describe('formatting', () => {
  it('draws a progress bar with skipped features', () => {
    expect(progressBar(5, 2, 10, 10)).toBe('[█████▒▒░░░] 50%');
    expect(progressBar(0, 0, 0, 10)).toBe('');
  });

  it('formats durations', () => {
    expect(formatDuration(42_000)).toBe('42 s');
    expect(formatDuration(250_000)).toBe('4 min 10 s');
    expect(formatDuration(3 * 3_600_000 + 12 * 60_000)).toBe('3 h 12 min');
    expect(formatDuration(53 * 3_600_000)).toBe('2 d 5 h');
  });
});

/** state.json, features.json and events.jsonl of a big project, written directly. */
async function writeLargeProject(dir: string, features: number, sessions: number, eventBytes: number) {
  await mkdir(join(dir, '.claude-harness'), { recursive: true });
  const list = Array.from({ length: features }, (_, i) => ({
    id: `F${String(i + 1).padStart(3, '0')}`,
    category: 'functional',
    description: `Feature number ${i + 1} does something useful for the user`,
    steps: ['open the page', 'click the button', 'see the result'],
    passes: i < features / 2,
  }));
  writeFileSync(ownedListPath(dir), JSON.stringify(list, null, 2));
  const at = (n: number) => new Date(Date.parse('2026-01-01T00:00:00Z') + n * 60_000).toISOString();
  const sessionRecords = Array.from({ length: sessions }, (_, i) => ({
    number: i + 1,
    kind: 'coding',
    featureId: list[i % features]?.id,
    attempt: 1,
    startedAt: at(i * 10),
    endedAt: at(i * 10 + 9),
    outcome: i % 3 === 0 ? 'failed' : 'passed',
    costUsd: 0.1,
    tokens: { input: 100, output: 200 },
    turns: 5,
    harnessPid: 1,
  }));
  const state = {
    version: 1,
    run: {
      startedAt: at(0),
      lastStartedAt: at(0),
      starts: 1,
      mode: 'greenfield',
      model: 'sonnet',
      specPath: null,
    },
    sessions: sessionRecords,
    features: Object.fromEntries(
      list.slice(features / 2).map((f, i) => [
        f.id,
        {
          attempts: [{ session: i + 1, outcome: 'failed', reason: 'tests fail', at: at(i) }],
          ...(i % 10 === 0 ? { skipped: { reason: '3 failed attempts', at: at(i) } } : {}),
        },
      ]),
    ),
    consecutiveFailedSessions: 0,
    lastFeatureNumber: features,
    totals: { sessions, costUsd: sessions * 0.1, inputTokens: sessions * 100, outputTokens: sessions * 200 },
  };
  writeFileSync(statePath(dir), JSON.stringify(state, null, 2));
  const line = `${JSON.stringify({ v: 1, at: at(0), type: 'tool_call', session: sessions, id: 'toolu_x', tool: 'Write', input: { file_path: 'src/a.ts', content: 'x'.repeat(400) } })}\n`;
  writeFileSync(eventsPath(dir), line.repeat(Math.ceil(eventBytes / line.length)));
}
