import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { SessionResult, TokenUsage } from '../../src/engine/events.js';
import { SessionLog } from '../../src/report/session-log.js';
import {
  type HarnessSessionReport,
  runHarnessSession,
  type SessionTimeouts,
  spentBy,
} from '../../src/session/session-runner.js';
import type { EventInput, EventLog } from '../../src/state/events.js';
import { type Scenario, startFakeAnthropic } from '../../src/testing/fake-anthropic/index.js';
import { processesWithArg } from '../helpers/cli-process.js';
import { fakeModelEnv, tempDir } from '../helpers/engine-env.js';
import { bash, finalText, oneSession, text, tool } from '../helpers/scenarios.js';

const usage = (inputTokens: number, outputTokens: number): TokenUsage => ({
  inputTokens,
  outputTokens,
  cacheReadInputTokens: 0,
  cacheCreationInputTokens: 0,
});

function result(fields: Partial<SessionResult>): SessionResult {
  return {
    ok: true,
    subtype: 'success',
    text: 'done',
    errors: [],
    terminalReason: undefined,
    usage: usage(0, 0),
    costUsd: 0,
    numTurns: 0,
    durationMs: 1,
    sessionId: 's1',
    ...fields,
  };
}

describe('spentBy', () => {
  it('takes the result when it has every figure', () => {
    expect(
      spentBy(result({ usage: usage(3000, 300), costUsd: 0.009, numTurns: 2 }), [usage(1000, 100)]),
    ).toEqual({
      inputTokens: 3000,
      outputTokens: 300,
      costUsd: 0.009,
      turns: 1,
      source: 'result',
    });
    // Its per-model totals count too (they hold what its `usage` leaves out).
    expect(
      spentBy(
        result({ usage: usage(1000, 100), modelUsage: usage(2000, 200), costUsd: 0.006, numTurns: 2 }),
        [],
      ),
    ).toEqual({ inputTokens: 2000, outputTokens: 200, costUsd: 0.006, turns: 2, source: 'result' });
  });

  it('takes the sum of the turns, field by field, where it is larger; the cost stays the result’s', () => {
    expect(
      spentBy(result({ usage: usage(1000, 100), costUsd: 0.006, numTurns: 2 }), [
        usage(1000, 100),
        usage(1000, 90),
      ]),
    ).toEqual({ inputTokens: 2000, outputTokens: 190, costUsd: 0.006, turns: 2, source: 'turns' });
    expect(spentBy(result({ usage: usage(5000, 10) }), [usage(1000, 100)])).toMatchObject({
      inputTokens: 5000,
      outputTokens: 100,
      source: 'turns',
    });
  });

  it('with no result: the turns and no cost (the harness does not guess prices); nothing at all is `none`', () => {
    expect(spentBy(undefined, [usage(1000, 100), usage(2000, 1)])).toEqual({
      inputTokens: 3000,
      outputTokens: 101,
      costUsd: undefined,
      turns: 2,
      source: 'turns',
    });
    expect(spentBy(undefined, [])).toEqual({
      inputTokens: 0,
      outputTokens: 0,
      costUsd: undefined,
      turns: 0,
      source: 'none',
    });
  });
});

/** What `--model sonnet` costs in the bundled CLI: $2 / $10 per million input / output tokens. */
const priced = (input: number, output: number) => (input * 2 + output * 10) / 1_000_000;
const TURN = { input_tokens: 1000, output_tokens: 100 };

const LONG: SessionTimeouts = {
  firstResponseMs: 30_000,
  idleMs: 30_000,
  sessionMs: 60_000,
  toolAllowanceMs: 30_000,
};

async function harnessSession(
  scenario: Scenario,
  options: { timeouts?: SessionTimeouts; maxBudgetUsd?: number; signal?: AbortSignal } = {},
): Promise<{ report: HarnessSessionReport; records: EventInput[] }> {
  await using project = await tempDir('ch-proj-');
  await using config = await tempDir('ch-cfg-');
  const server = await startFakeAnthropic({ scenario, variables: { projectDir: project.path } });
  const records: EventInput[] = [];
  const events: EventLog = {
    path: '/dev/null',
    append: (record) => void records.push(record),
    read: () => [],
  };
  try {
    const report = await runHarnessSession({
      sessionNumber: 1,
      projectDir: project.path,
      prompt: 'go',
      model: 'sonnet',
      baseEnv: process.env,
      engineEnv: fakeModelEnv(server.url, config.path),
      timeouts: options.timeouts ?? LONG,
      guards: [],
      guardContext: { projectDir: project.path, stateDir: `${project.path}/.claude-harness` },
      ...(options.maxBudgetUsd !== undefined ? { maxBudgetUsd: options.maxBudgetUsd } : {}),
      signal: options.signal ?? new AbortController().signal,
      log: new SessionLog({ out: new PassThrough(), projectDir: project.path, label: 'session 1' }),
      events,
    });
    expect(server.failures).toEqual([]);
    return { report, records };
  } finally {
    await server.close();
  }
}

describe('runHarnessSession: what the session spent', () => {
  it('a session that ends by itself: the result’s figures', async () => {
    const { report } = await harnessSession(
      oneSession(
        { content: [tool('Write', { file_path: '{{projectDir}}/a.txt', content: 'a\n' })], usage: TURN },
        { content: [text('Done.')], usage: TURN },
      ),
    );
    expect(report.outcome.kind).toBe('completed');
    expect(report.spent).toEqual({
      inputTokens: 2000,
      outputTokens: 200,
      costUsd: expect.closeTo(priced(2000, 200), 10),
      turns: 2,
      source: 'result',
    });
  });

  it('a session stopped at its spending cap: the response that reached the cap is counted', async () => {
    const { report } = await harnessSession(
      oneSession(
        { content: [tool('Write', { file_path: '{{projectDir}}/a.txt', content: 'a\n' })], usage: TURN },
        { content: [tool('Write', { file_path: '{{projectDir}}/b.txt', content: 'b\n' })], usage: TURN },
        finalText('never reached'),
      ),
      { maxBudgetUsd: 0.005 },
    );
    expect(report.result).toMatchObject({ subtype: 'error_max_budget_usd', usage: { inputTokens: 1000 } });
    expect(report.spent).toMatchObject({ inputTokens: 2000, outputTokens: 200, turns: 2 });
    expect(report.spent.costUsd).toBeCloseTo(priced(2000, 200), 10);
  });

  it('a session the harness cuts (its time limit) in a long tool call: the CLI’s own figures, then nothing left running', async () => {
    const marker = `ch-spent-${process.pid}-${Date.now()}`;
    const { report } = await harnessSession(
      oneSession(
        { content: [tool('Write', { file_path: '{{projectDir}}/a.txt', content: 'a\n' })], usage: TURN },
        { content: [bash(`node -e "setInterval(() => {}, 1000)" ${marker}`)], usage: TURN },
        finalText('never reached'),
      ),
      { timeouts: { ...LONG, sessionMs: 2_500 } },
    );
    expect(report.outcome).toMatchObject({ kind: 'timeout', expiry: { reason: 'session' } });
    expect(report.result).toBeUndefined();
    expect(report.spent).toMatchObject({ inputTokens: 2000, outputTokens: 200, turns: 2, source: 'result' });
    expect(report.spent.costUsd).toBeCloseTo(priced(2000, 200), 10);
    expect(processesWithArg(marker)).toEqual([]);
  });

  it('a session the user stops while the model is answering: the cut response’s input is counted and priced', async () => {
    const stop = new AbortController();
    const session = harnessSession(
      oneSession(
        { content: [tool('Write', { file_path: '{{projectDir}}/a.txt', content: 'a\n' })], usage: TURN },
        { content: [text('slow')], usage: TURN, fault: { type: 'hang', seconds: 30 } },
      ),
      { signal: stop.signal },
    );
    setTimeout(() => stop.abort(), 2_500);
    const { report } = await session;
    expect(report.outcome.kind).toBe('interrupted');
    // 1,000 + 100 for the first response; 1,000 in and the 1 output token the CLI estimates for the cut one.
    expect(report.spent).toMatchObject({ inputTokens: 2000, outputTokens: 101, turns: 2 });
    expect(report.spent.costUsd).toBeCloseTo(priced(2000, 101), 10);
  });
});
