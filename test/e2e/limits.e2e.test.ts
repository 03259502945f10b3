/**
 * The run's limits hit while a session is running — the built CLI against the fake model, with the real SDK
 * and Claude Code CLI:
 * - `--max-session-budget-usd`: the SDK stops the session once it has spent its cap (the scripted turns after
 *   it are never requested); the run goes on with the next attempt;
 * - `--max-budget-usd`: the session is capped at what is left, then the run stops before the next session;
 * - `--max-duration`: a session busy in a long tool call is cut when the run's time is up; a rerun resumes.
 *
 * Costs are exact: every scripted turn reports fixed usage, priced as the bundled CLI prices the model.
 * Each scenario runs once (beforeAll); its tests look at different things the user sees.
 */

import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeAnthropicServer, startFakeAnthropic } from '../../src/testing/fake-anthropic/index.js';
import { type CliRun, pgrep, startCli, startHarness } from '../helpers/cli-process.js';
import { tempDir } from '../helpers/engine-env.js';
import {
  featureListText,
  initializerSession,
  longRunning,
  passingSession,
  sessions,
  writeScript,
} from '../helpers/scenarios.js';
import { webhookReceiver } from '../helpers/webhook.js';

/**
 * What `--model sonnet` costs in the bundled Claude Code CLI (2.1.332), which resolves it to this model.
 * Measured from scripted runs (2,000 input tokens + 200 output tokens cost exactly $0.006; 200,000 input
 * tokens $0.40; 200,000 output tokens $2.00): $2 per million input tokens, $10 per million output tokens.
 * (A request of more than 200k input tokens is billed at a higher rate; the scenarios stay far below.)
 */
const SONNET = 'claude-sonnet-5-5';
const USD_PER_INPUT_TOKEN = 2 / 1_000_000;
const USD_PER_OUTPUT_TOKEN = 10 / 1_000_000;

interface Usage {
  input_tokens: number;
  output_tokens: number;
}
/** A working turn: $0.003. */
const TURN: Usage = { input_tokens: 1000, output_tokens: 100 };
/** A cheap turn: $0.0003. */
const CHEAP: Usage = { input_tokens: 100, output_tokens: 10 };
const turnCost = (usage: Usage) =>
  usage.input_tokens * USD_PER_INPUT_TOKEN + usage.output_tokens * USD_PER_OUTPUT_TOKEN;

function withUsage<T extends object>(usage: Usage, turns: T[]): (T & { usage: Usage })[] {
  return turns.map((turn) => ({ ...turn, usage }));
}

const ONE = [{ description: 'say hello' }];
/** Two turns of work before the feature's test: a session the cap can cut before it gets anywhere. */
const WORK = [writeScript('notes/step-1.txt', 'one'), writeScript('notes/step-2.txt', 'two')];

interface HarnessEvent {
  type: string;
  at: string;
  session?: number;
  [field: string]: unknown;
}

async function readEvents(projectDir: string): Promise<HarnessEvent[]> {
  return (await readFile(join(projectDir, '.claude-harness', 'events.jsonl'), 'utf8'))
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as HarnessEvent);
}

interface SessionRecord {
  number: number;
  kind: string;
  featureId?: string;
  outcome: string;
  reason?: string;
  costUsd: number;
  tokens: { input: number; output: number };
  turns: number;
}

async function readState(projectDir: string): Promise<{
  sessions: SessionRecord[];
  totals: { costUsd: number; inputTokens: number; outputTokens: number };
}> {
  return JSON.parse(await readFile(join(projectDir, '.claude-harness', 'state.json'), 'utf8'));
}

/** The scripted turns (0-based) the CLI asked for in scenario session `index`. */
function turnsRequested(server: FakeAnthropicServer, index: number): number[] {
  const turns = server.requests
    .filter((r) => r.kind === 'agent' && r.sessionIndex === index && r.turnIndex !== undefined)
    .map((r) => r.turnIndex as number);
  return [...new Set(turns)].sort((a, b) => a - b);
}

type Done = Awaited<CliRun['done']>;

/** A project folder, a spec and a Claude config folder, removed in afterAll. */
async function workspace() {
  const work = await tempDir('ch-limits-');
  const config = await tempDir('ch-cfg-');
  const projectDir = join(work.path, 'app');
  const spec = join(work.path, 'spec.md');
  await writeFile(spec, 'Hello.\n');
  return {
    projectDir,
    spec,
    configDir: config.path,
    dispose: async () => {
      await work[Symbol.asyncDispose]();
      await config[Symbol.asyncDispose]();
    },
  };
}

describe('--max-session-budget-usd reached during a session', () => {
  // The cap: $0.005. The coding session's turns cost $0.003 each: after its second turn it has spent $0.006.
  const CAP = 0.005;
  let ws: Awaited<ReturnType<typeof workspace>>;
  let server: FakeAnthropicServer;
  let run: Done;

  beforeAll(async () => {
    ws = await workspace();
    server = await startFakeAnthropic({
      variables: { projectDir: ws.projectDir },
      scenario: sessions(
        withUsage(CHEAP, initializerSession(ONE)),
        // Five turns: two of work, the test, feature_pass, done. The cap cuts it after the second.
        withUsage(TURN, passingSession(ONE, ['F001'], WORK)),
        // The next attempt, cheap enough to fit under the cap.
        withUsage(CHEAP, passingSession(ONE, ['F001'])),
      ),
    });
    run = await startHarness({
      ...ws,
      serverUrl: server.url,
      args: ['--max-session-budget-usd', String(CAP)],
    }).done;
  }, 60_000);

  afterAll(async () => {
    await server?.close();
    await ws?.dispose();
  });

  it('stops the running session once it has spent its cap: the turns after it are never requested', async () => {
    expect(server.failures).toEqual([]);
    const events = await readEvents(ws.projectDir);
    // The prices below are this model's.
    expect(events.find((e) => e.type === 'session_sdk_start')?.model).toBe(SONNET);
    // Turn 1 ($0.003) is under the cap, turn 2 ($0.006) reaches it; turns 3-5 were never asked for.
    expect(turnsRequested(server, 1)).toEqual([0, 1]);
    const spent = 2 * turnCost(TURN);
    expect(spent).toBeCloseTo(0.006, 12);

    const stops = events.filter((e) => e.type === 'budget_stop');
    expect(stops).toHaveLength(1);
    expect(stops[0]).toMatchObject({ limit: 'max-session-budget-usd', session: 2 });
    expect(stops[0]?.spentUsd).toBeCloseTo(spent, 10);
    expect(run.stdout).toContain(
      '  aborted: stopped at its spending cap: $0.0060 spent, --max-session-budget-usd $0.0050\n',
    );

    const state = await readState(ws.projectDir);
    expect(state.sessions[1]).toMatchObject({ number: 2, featureId: 'F001', outcome: 'aborted', turns: 2 });
    expect(state.sessions[1]?.costUsd).toBeCloseTo(spent, 10);
    expect(state.sessions[1]?.reason).toBe(
      'stopped at its spending cap: $0.0060 spent, --max-session-budget-usd $0.0050',
    );
  });

  it('counts the cut session as an attempt and goes on with the next one, which passes', async () => {
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('── session 3 (coding F001, attempt 2)');
    expect(run.stdout).toContain('✓ F001 passes');
    expect(run.stdout).toContain('All 1 features pass');
    expect(turnsRequested(server, 2)).toEqual([0, 1, 2]);
    // The whole run, to the cent and beyond: 2 + 3 cheap turns, 2 working ones.
    const status = await startCli(['status', '--project-dir', ws.projectDir, '--json']).done;
    expect(status.code).toBe(0);
    const usage = (JSON.parse(status.stdout) as { usage: { costUsd: number } }).usage;
    expect(usage.costUsd).toBeCloseTo(5 * turnCost(CHEAP) + 2 * turnCost(TURN), 10);
  });

  // The SDK's `error_max_budget_usd` result leaves out the usage of the last response, the one it charged for
  // and that reached the cap ($0.006 charged, 1,000 in / 100 out reported). The harness records what the
  // session spent from the result's per-model totals and the engine's `turn` events (each with its
  // response's final usage).
  it('records the tokens of every turn the capped session was charged for', async () => {
    const state = await readState(ws.projectDir);
    expect(state.sessions[1]?.tokens).toEqual({
      input: 2 * TURN.input_tokens,
      output: 2 * TURN.output_tokens,
    });
  });
});

describe('--max-budget-usd crossed during a session', () => {
  // $0.005 for the run. The initializer costs $0.0006, so the coding session may spend $0.0044; its turns
  // cost $0.003 each: the SDK stops it after the second, at $0.006 ($0.0066 for the run).
  const BUDGET = 0.005;
  let ws: Awaited<ReturnType<typeof workspace>>;
  let server: FakeAnthropicServer;
  let hook: Awaited<ReturnType<typeof webhookReceiver>>;
  let run: Done;

  beforeAll(async () => {
    ws = await workspace();
    hook = await webhookReceiver();
    server = await startFakeAnthropic({
      variables: { projectDir: ws.projectDir },
      // No third session: the run must not start one.
      scenario: sessions(
        withUsage(CHEAP, initializerSession(ONE)),
        withUsage(TURN, passingSession(ONE, ['F001'], WORK)),
      ),
    });
    run = await startHarness({
      ...ws,
      serverUrl: server.url,
      args: ['--max-budget-usd', String(BUDGET), '--notify-url', hook.url],
    }).done;
  }, 60_000);

  afterAll(async () => {
    await server?.close();
    await hook?.close();
    await ws?.dispose();
  });

  it('cuts the session mid-way, then stops before the next one with exit 3, saying what to raise the budget to', async () => {
    expect(server.failures).toEqual([]);
    expect(turnsRequested(server, 0)).toEqual([0, 1]);
    // Cut after two of its five turns.
    expect(turnsRequested(server, 1)).toEqual([0, 1]);
    const spent = 2 * turnCost(CHEAP) + 2 * turnCost(TURN);
    const state = await readState(ws.projectDir);
    expect(state.sessions.map((s) => s.number)).toEqual([1, 2]);
    expect(state.sessions[1]?.costUsd).toBeCloseTo(2 * turnCost(TURN), 10);
    expect(state.sessions[1]?.reason).toBe(
      'stopped: it spent what was left of --max-budget-usd $0.0050 ($0.0044 left, $0.0060 spent)',
    );
    expect(state.totals.costUsd).toBeCloseTo(spent, 10);

    expect(run.code).toBe(3);
    // The next session is estimated at the dearest so far ($0.006): at least $0.0066 + $0.01, in cents.
    expect(run.stdout).toContain(
      '■ Budget reached: $0.0066 spent of --max-budget-usd $0.0050. Nothing is lost: to continue, run the same command again with a higher --max-budget-usd (at least $0.02).',
    );
    const events = await readEvents(ws.projectDir);
    const last = events.filter((e) => e.type === 'budget_stop').at(-1);
    expect(last).toMatchObject({ limit: 'max-budget-usd', limitUsd: BUDGET });
    expect(last?.session).toBeUndefined();
    expect(last?.spentUsd).toBeCloseTo(spent, 10);
    expect(last?.estimateNextUsd).toBeCloseTo(2 * turnCost(TURN), 10);
    expect(last?.reason).toContain('at least $0.02');
    // Nothing started after the stop: it is followed by the end of the run.
    expect(events.filter((e) => e.type === 'session_start')).toHaveLength(2);
    expect(events.slice(events.indexOf(last as HarnessEvent) + 1).map((e) => e.type)).toEqual(['run_end']);
    expect(events.at(-1)).toMatchObject({ type: 'run_end', exitCode: 3 });
    expect(hook.bodies.map((b) => b.event)).toEqual(['budget_reached', 'run_stopped']);
    expect(hook.bodies[0]?.details).toMatchObject({ limit: 'max-budget-usd', limitUsd: BUDGET });
    expect(hook.bodies[1]?.details).toMatchObject({ exitCode: 3, passing: 0, total: 1 });
    expect(String(hook.bodies[1]?.details?.reason)).toContain('a limit was reached');
  });

  // The session was stopped by what was left of --max-budget-usd: it is not called the session's own
  // spending cap (`--max-session-budget-usd`), a flag this run does not have.
  it('says the session was stopped by --max-budget-usd, not by a session cap the run does not have', async () => {
    const events = await readEvents(ws.projectDir);
    const stops = events.filter((e) => e.type === 'budget_stop');
    expect(stops.map((e) => e.limit)).toEqual(['max-budget-usd', 'max-budget-usd']);
    expect(stops[0]).toMatchObject({ session: 2, limitUsd: BUDGET });
    expect(run.stdout).not.toContain('spending cap');
    expect(run.stdout).toContain('  aborted: stopped: it spent what was left of --max-budget-usd $0.0050');
  });
});

describe('--max-duration while a session is busy in a long tool call', () => {
  const LIMIT_MS = 4_000;
  const marker = `ch-limits-wait-${process.pid}`;
  let ws: Awaited<ReturnType<typeof workspace>>;
  let server: FakeAnthropicServer;
  let first: Done;
  let firstEvents: HarnessEvent[];
  let second: Done;

  beforeAll(async () => {
    ws = await workspace();
    // A project that brings its own plan: the harness adopts it, so the run starts with the coding session.
    await mkdir(ws.projectDir, { recursive: true });
    await writeFile(join(ws.projectDir, 'feature_list.json'), featureListText(ONE));
    server = await startFakeAnthropic({
      variables: { projectDir: ws.projectDir },
      scenario: sessions(
        // A command that runs until it is killed; no turn after it.
        withUsage(TURN, longRunning(marker)),
        passingSession(ONE, ['F001']),
      ),
    });
    const run = {
      ...ws,
      serverUrl: server.url,
      args: ['--max-duration', `${LIMIT_MS / 1000}s`],
    };
    first = await startHarness(run).done;
    firstEvents = await readEvents(ws.projectDir);
    second = await startHarness(run).done;
  }, 60_000);

  afterAll(async () => {
    await server?.close();
    await ws?.dispose();
  });

  it('cuts the session when the run’s time is up, stops with exit 3 and says how to continue', async () => {
    expect(server.failures).toEqual([]);
    const events = firstEvents;
    // The session was in its long tool call: the Bash call started and the turn after it was never asked for.
    expect(events.some((e) => e.type === 'tool_call' && e.tool === 'Bash')).toBe(true);
    expect(turnsRequested(server, 0)).toEqual([0, 1]);
    expect(pgrep(marker)).toEqual([]);
    // Cut at the run's limit, counted from the start of the run.
    const started = Date.parse(events.find((e) => e.type === 'run_start')?.at ?? '');
    const ended = Date.parse(events.find((e) => e.type === 'session_end')?.at ?? '');
    expect(ended - started).toBeGreaterThanOrEqual(LIMIT_MS - 200);
    expect(ended - started).toBeLessThan(LIMIT_MS + 8_000);

    expect(first.code).toBe(3);
    expect(first.stdout).toMatch(
      /■ Stopped: the run reached --max-duration \(4 s\) after \d+ s\. Nothing is lost: run the same command again to continue\./,
    );
    const stop = events.find((e) => e.type === 'budget_stop');
    expect(stop).toMatchObject({ limit: 'max-duration', limitMs: LIMIT_MS });
    expect(stop?.elapsedMs).toBeGreaterThanOrEqual(LIMIT_MS);
    expect(stop?.reason).toContain('--max-duration');
    expect(events.at(-1)).toMatchObject({ type: 'run_end', exitCode: 3 });
  });

  it('records what the cut session cost: it is interrupted first, so Claude Code still reports its cost', async () => {
    const state = await readState(ws.projectDir);
    const cut = state.sessions.find((x) => x.number === 1);
    expect(cut?.outcome).toBe('interrupted');
    expect(cut?.costUsd).toBeCloseTo(2 * turnCost(TURN), 10);
    expect(cut?.tokens).toEqual({ input: 2 * TURN.input_tokens, output: 2 * TURN.output_tokens });
  });

  it('rerunning the same command resumes with the next session', async () => {
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('── session 2 (coding F001');
    expect(second.stdout).toContain('All 1 features pass');
    // The cut session was closed properly: the rerun had nothing left running to mark interrupted.
    expect(second.stdout).not.toContain('Resuming:');
    server.assertComplete();
  });

  // Not "timed out: The session ran for 4 s, its time limit.": --session-timeout is 2 h and it was the
  // run's --max-duration that ran out; the budget_stop record names the session and says how to continue.
  it('says the session was cut by --max-duration, not by its own time limit', async () => {
    expect(first.stdout).not.toContain('its time limit');
    const end = firstEvents.find((e) => e.type === 'session_end');
    expect(end?.reason).toMatch(/--max-duration/);
    // The line the user sees for the session says so too.
    expect(first.stdout).toContain(`: ${end?.reason}\n`);
    const stop = firstEvents.find((e) => e.type === 'budget_stop');
    expect(stop?.session).toBe(1);
    expect(stop?.reason).toContain('run the same command again to continue');
  });

  // A session cut because the run's time ran out is not the feature's failure, so (like Ctrl+C) it is
  // recorded as interrupted and does not count against --max-retries.
  it('does not count the cut session as a failed attempt at the feature', async () => {
    const end = firstEvents.find((e) => e.type === 'session_end');
    expect(end?.outcome).toBe('interrupted');
    expect(second.stdout).toContain('── session 2 (coding F001, attempt 1)');
  });
});
