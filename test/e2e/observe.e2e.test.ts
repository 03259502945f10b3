/**
 * Seeing a run: --json events on stdout, status --json with exact token figures, the webhook on completion,
 * the HTML report of a scripted run in Chromium — the built CLI against the fake model. The limits
 * (--max-budget-usd, --max-session-budget-usd, --max-duration) are in limits.e2e.test.ts.
 */

import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from '@playwright/test';
import { describe, expect, it } from 'vitest';
import { REPORT_CHARTS } from '../../src/report/html-report.js';
import { startFakeAnthropic } from '../../src/testing/fake-anthropic/index.js';
import { findChromium } from '../../src/verify/browser.js';
import { startCli, startHarness } from '../helpers/cli-process.js';
import { tempDir } from '../helpers/engine-env.js';
import {
  finalText,
  initializerSession,
  passingSession,
  sessions,
  text,
  tool,
  writeScript,
} from '../helpers/scenarios.js';
import { webhookReceiver } from '../helpers/webhook.js';

const ONE = [{ description: 'say hello' }];
interface Usage {
  input_tokens: number;
  output_tokens: number;
}
/** Every turn reports the same usage, so totals are exact. */
function withUsage<T extends object>(
  turns: T[],
  usage: Usage = { input_tokens: 1000, output_tokens: 100 },
): (T & { usage: Usage })[] {
  return turns.map((turn) => ({ ...turn, usage }));
}

describe('observing a run', () => {
  it('--json streams the events on stdout; status --json reports exact tokens; the webhook hears the end', async () => {
    await using work = await tempDir('ch-obs-');
    await using config = await tempDir('ch-cfg-');
    const projectDir = join(work.path, 'app');
    await writeFile(join(work.path, 'spec.md'), 'Hello.\n');
    const hook = await webhookReceiver();
    const server = await startFakeAnthropic({
      variables: { projectDir },
      scenario: sessions(withUsage(initializerSession(ONE)), withUsage(passingSession(ONE, ['F001']))),
    });
    try {
      const run = startHarness({
        projectDir,
        spec: join(work.path, 'spec.md'),
        serverUrl: server.url,
        configDir: config.path,
        args: ['--json', '--notify-url', hook.url],
      });
      const { code, stdout, stderr } = await run.done;
      expect(code).toBe(0);
      // stdout is nothing but JSON lines, the same records as events.jsonl.
      const lines = stdout.trim().split('\n');
      const streamed = lines.map((line) => JSON.parse(line) as { type: string; v: number });
      expect(streamed.every((e) => e.v === 1)).toBe(true);
      const file = (await readFile(join(projectDir, '.claude-harness', 'events.jsonl'), 'utf8'))
        .trim()
        .split('\n');
      expect(lines).toEqual(file);
      expect(streamed.map((e) => e.type)).toEqual(
        expect.arrayContaining([
          'run_start',
          'session_start',
          'tool_call',
          'feature_passed',
          'session_end',
          'run_end',
        ]),
      );
      // People still get their log, on stderr.
      expect(stderr).toContain('All 1 features pass');
      expect(hook.bodies.map((b) => b.event)).toEqual(['run_completed']);
      expect(hook.bodies[0]?.details).toMatchObject({
        exitCode: 0,
        passing: 1,
        total: 1,
        skipped: 0,
        sessions: 2,
      });

      const status = await startCli(['status', '--project-dir', projectDir, '--json']).done;
      expect(status.code).toBe(0);
      const report = JSON.parse(status.stdout) as {
        features: { total: number; passing: number };
        usage: { inputTokens: number; outputTokens: number; costUsd: number };
      };
      expect(report.features).toMatchObject({ total: 1, passing: 1 });
      const turns = server.requests.filter((r) => r.kind === 'agent').length;
      expect(report.usage.inputTokens).toBe(1000 * turns);
      expect(report.usage.outputTokens).toBe(100 * turns);
      const state = JSON.parse(await readFile(join(projectDir, '.claude-harness', 'state.json'), 'utf8')) as {
        sessions: { costUsd: number }[];
      };
      expect(report.usage.costUsd).toBeCloseTo(
        state.sessions.reduce((sum, s) => sum + s.costUsd, 0),
        10,
      );
    } finally {
      await server.close();
      await hook.close();
    }
  });
});

describe('--mode validation', () => {
  it('re-runs the recorded tests of passing features, and flips back the ones that broke', async () => {
    await using work = await tempDir('ch-val-');
    await using config = await tempDir('ch-cfg-');
    const projectDir = join(work.path, 'app');
    await writeFile(join(work.path, 'spec.md'), 'Hello.\n');
    const two = [{ description: 'one' }, { description: 'two' }];
    const server = await startFakeAnthropic({
      variables: { projectDir },
      scenario: sessions(
        initializerSession(two),
        passingSession(two, ['F001']),
        passingSession(two, ['F001', 'F002']),
      ),
    });
    const project = { projectDir, serverUrl: server.url, configDir: config.path };
    try {
      expect((await startHarness({ ...project, spec: join(work.path, 'spec.md') }).done).code).toBe(0);
      const ok = await startHarness({ ...project, args: ['--mode', 'validation'] }).done;
      expect(ok.code).toBe(0);
      expect(ok.stdout).toContain('All 2 still pass.');
      // Break F002's test: validation catches it and marks the feature failing again.
      await writeFile(
        join(projectDir, 'tests', 'F002.test.js'),
        "import { test } from 'node:test';\nimport assert from 'node:assert/strict';\ntest('F002 works', () => { assert.equal(1 + 1, 3); });\n",
      );
      const broken = await startHarness({ ...project, args: ['--mode', 'validation'] }).done;
      expect(broken.code).toBe(1);
      expect(broken.stdout).toContain('✗ F002');
      const list = JSON.parse(await readFile(join(projectDir, 'feature_list.json'), 'utf8')) as {
        id: string;
        passes: boolean;
      }[];
      expect(list.map((f) => [f.id, f.passes])).toEqual([
        ['F001', true],
        ['F002', false],
      ]);
    } finally {
      await server.close();
    }
  });
});

describe('regression checks in the loop', () => {
  it('a later session breaks a passing feature; the next session’s check flips it back and says so', async () => {
    await using work = await tempDir('ch-reg-');
    await using config = await tempDir('ch-cfg-');
    const projectDir = join(work.path, 'app');
    await writeFile(join(work.path, 'spec.md'), 'Hello.\n');
    const two = [{ description: 'one' }, { description: 'two' }];
    const breakF001 = writeScript(
      'tests/F001.test.js',
      "import { test } from 'node:test';\nimport assert from 'node:assert/strict';\ntest('F001 works', () => { assert.equal(1 + 1, 3); });",
    );
    const server = await startFakeAnthropic({
      variables: { projectDir },
      scenario: sessions(
        initializerSession(two),
        passingSession(two, ['F001']),
        // Working on F002, the agent breaks F001's test and stops.
        [breakF001, finalText('Stopping here.')],
        [{ expect: { userMessageContains: 'F001 passed before' }, content: [text('I will repair it.')] }],
      ),
    });
    try {
      const run = await startHarness({
        projectDir,
        spec: join(work.path, 'spec.md'),
        serverUrl: server.url,
        configDir: config.path,
        args: ['--max-iterations', '4'],
      }).done;
      expect(server.failures).toEqual([]);
      expect(run.code).toBe(3);
      expect(run.stdout).toContain('✗ regression: F001 no longer passes');
      const list = JSON.parse(await readFile(join(projectDir, 'feature_list.json'), 'utf8')) as {
        passes: boolean;
      }[];
      expect(list.map((f) => f.passes)).toEqual([false, false]);
      const events = (await readFile(join(projectDir, '.claude-harness', 'events.jsonl'), 'utf8'))
        .trim()
        .split('\n');
      expect(events.some((line) => JSON.parse(line).type === 'regression')).toBe(true);
    } finally {
      await server.close();
    }
  });
});

describe('--mode enhancement on a planned project', () => {
  it('plans the new spec as new entries the harness appends, then builds them; old entries stay as they were', async () => {
    await using work = await tempDir('ch-enh-');
    await using config = await tempDir('ch-cfg-');
    const projectDir = join(work.path, 'app');
    await writeFile(join(work.path, 'spec.md'), 'Hello.\n');
    await writeFile(join(work.path, 'change.md'), 'Also say goodbye.\n');
    const one = [{ description: 'say hello' }];
    const server = await startFakeAnthropic({
      variables: { projectDir },
      scenario: sessions(
        initializerSession(one),
        passingSession(one, ['F001']),
        [
          {
            expect: { userMessageContains: 'new_features.json' },
            content: [
              tool('Write', {
                file_path: '{{projectDir}}/new_features.json',
                content: JSON.stringify([
                  { category: 'x', description: 'say goodbye', steps: ['Step 1: run it'], passes: true },
                ]),
              }),
            ],
          },
          finalText('Planned.'),
        ],
        passingSession(one, ['F001', 'F002']),
      ),
    });
    const project = { projectDir, serverUrl: server.url, configDir: config.path };
    try {
      expect((await startHarness({ ...project, spec: join(work.path, 'spec.md') }).done).code).toBe(0);
      const run = await startHarness({
        ...project,
        spec: join(work.path, 'change.md'),
        args: ['--mode', 'enhancement'],
      }).done;
      expect(server.failures).toEqual([]);
      server.assertComplete();
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('1 new enhancement feature appended: F002');
      const list = JSON.parse(await readFile(join(projectDir, 'feature_list.json'), 'utf8')) as {
        id: string;
        category: string;
        description: string;
        passes: boolean;
      }[];
      expect(list.map((f) => [f.id, f.category, f.description, f.passes])).toEqual([
        ['F001', 'functional', 'say hello', true],
        ['F002', 'enhancement', 'say goodbye', true],
      ]);
    } finally {
      await server.close();
    }
  });
});

describe.skipIf(process.env.CLAUDE_HARNESS_SKIP_CHROMIUM === '1')('the HTML report of a scripted run', () => {
  it('shows in Chromium the exact tokens and cost of the run, of each session and of each feature, a mark per session or feature in the charts, and every field of the proofs', async () => {
    const executablePath = findChromium();
    if (executablePath === undefined) throw new Error('install chromium (apt-get install chromium)');
    await using work = await tempDir('ch-report-');
    await using config = await tempDir('ch-cfg-');
    const projectDir = join(work.path, 'app');
    await writeFile(join(work.path, 'spec.md'), 'Hello.\n');
    const two = [{ description: 'say hello' }, { description: 'say goodbye' }];
    // $0.002 of input and $0.008 of output: one cent a turn at the model's prices (limits.e2e.test.ts).
    const usage = { input_tokens: 1000, output_tokens: 800 };
    const server = await startFakeAnthropic({
      variables: { projectDir },
      scenario: sessions(
        withUsage(initializerSession(two), usage),
        withUsage(passingSession(two, ['F001']), usage),
        withUsage(passingSession(two, ['F001', 'F002']), usage),
      ),
    });
    const browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
    try {
      const run = await startHarness({
        projectDir,
        spec: join(work.path, 'spec.md'),
        serverUrl: server.url,
        configDir: config.path,
      }).done;
      expect(run.code).toBe(0);
      server.assertComplete();
      // 2 + 3 + 3 turns, each with the scripted usage.
      const turns = server.requests.filter((r) => r.kind === 'agent').length;
      expect(turns).toBe(8);

      const status = JSON.parse(
        (await startCli(['status', '--project-dir', projectDir, '--json']).done).stdout,
      ) as {
        usage: { inputTokens: number; outputTokens: number; costUsd: number };
      };
      expect(status.usage.inputTokens).toBe(turns * usage.input_tokens);
      expect(status.usage.outputTokens).toBe(turns * usage.output_tokens);
      expect(status.usage.costUsd).toBeCloseTo(turns * 0.01, 10);
      const harness = join(projectDir, '.claude-harness');
      const state = JSON.parse(await readFile(join(harness, 'state.json'), 'utf8')) as {
        totals: { costUsd: number; inputTokens: number; outputTokens: number };
        sessions: { costUsd: number; tokens: { input: number; output: number }; turns: number }[];
      };
      expect(state.totals).toMatchObject({ inputTokens: 8000, outputTokens: 6400 });
      expect(state.totals.costUsd).toBe(status.usage.costUsd);
      const proofs = JSON.parse(await readFile(join(harness, 'proofs.json'), 'utf8')) as {
        latest: Record<
          string,
          {
            command: string;
            runner?: string;
            files?: string[];
            commit: string | null;
            dirty?: boolean;
            outputTail: string;
            at: string;
          }
        >;
      };

      const out = join(work.path, 'out', 'report.html');
      const written = await startCli(['report', '--project-dir', projectDir, '--out', out]).done;
      expect(written.code).toBe(0);
      expect(written.stdout).toContain(`Report written to ${out} (2 features, 3 sessions`);

      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      await page.goto(pathToFileURL(out).href);
      // No warning on the page (such as proofs it could not read).
      expect(await page.locator('.note').allInnerTexts()).toEqual([]);

      // The summary cards: exact totals, the same as status --json, written as the live view writes them
      // (cost with 4 decimals, tokens in full with separators).
      const keys = await page.locator('.card .k').allInnerTexts();
      const values = await page.locator('.card .v').allInnerTexts();
      const cards = Object.fromEntries(keys.map((key, i) => [key, values[i]]));
      expect(cards).toMatchObject({
        'Features passing': '2 / 2',
        Sessions: '3',
        Cost: '$0.0800',
        'Tokens in / out': '8,000 / 6,400',
        'Policy denials': '0',
        'Tamper events': '0',
        Regressions: '0',
      });

      // The session table: each session's turns, tool calls, tokens and cost.
      const cells = async (selector: string) => {
        const rows = page.locator(selector);
        const texts: string[][] = [];
        for (let i = 0; i < (await rows.count()); i++) {
          texts.push((await rows.nth(i).locator('td').allInnerTexts()).map((text) => text.trim()));
        }
        return texts;
      };
      const sessionRows = await cells('tr.session');
      expect(sessionRows.map((r) => [...r.slice(0, 4), ...r.slice(6)])).toEqual([
        ['1', 'initializer', '', 'passed', '2', '1', '2,000', '1,600', '$0.0200'],
        ['2', 'coding', 'F001', 'passed', '3', '2', '3,000', '2,400', '$0.0300'],
        ['3', 'coding', 'F002', 'passed', '3', '2', '3,000', '2,400', '$0.0300'],
      ]);
      expect(state.sessions.map((s) => [s.turns, s.tokens.input, s.tokens.output])).toEqual([
        [2, 2000, 1600],
        [3, 3000, 2400],
        [3, 3000, 2400],
      ]);
      [0.02, 0.03, 0.03].forEach((cost, i) => {
        expect(state.sessions[i]?.costUsd).toBeCloseTo(cost, 10);
      });

      // Every chart was laid out, with one mark per session (or per feature) carrying its exact value.
      expect(await page.locator('svg.chart').count()).toBe(REPORT_CHARTS.length);
      for (const id of REPORT_CHARTS) {
        const box = await page.locator(`svg.chart[data-chart="${id}"]`).boundingBox();
        expect(box?.width, id).toBeGreaterThan(300);
        expect(box?.height, id).toBeGreaterThan(100);
      }
      const marks = async (chart: string, mark: string, attribute: string) => {
        const found = page.locator(`svg[data-chart="${chart}"] ${mark}`);
        const out: { value: number; width: number; height: number }[] = [];
        for (let i = 0; i < (await found.count()); i++) {
          const box = await found.nth(i).boundingBox();
          out.push({
            value: Number(await found.nth(i).getAttribute(attribute)),
            width: box?.width ?? 0,
            height: box?.height ?? 0,
          });
        }
        return out;
      };
      const passing = await marks('passing-over-sessions', 'circle.point', 'data-y');
      expect(passing.map((m) => m.value)).toEqual([0, 1, 2]);
      expect(passing.every((m) => m.width > 0 && m.height > 0)).toBe(true);
      const costs = await marks('cost-per-session', 'rect.bar', 'data-value');
      expect(costs).toHaveLength(3);
      costs.forEach((bar, i) => {
        expect(bar.value).toBeCloseTo(state.sessions[i]?.costUsd ?? -1, 10);
      });
      // Drawn to scale: $0.02 against $0.03.
      expect((costs[0]?.height ?? 0) / (costs[1]?.height ?? 1)).toBeCloseTo(2 / 3, 1);
      const stacks = await marks('tokens-per-session', 'g.stack', 'data-total');
      expect(stacks.map((s) => s.value)).toEqual([3600, 5400, 5400]);
      const segments = await marks('tokens-per-session', 'rect.bar.segment', 'data-value');
      expect(segments.map((s) => s.value)).toEqual([2000, 1600, 3000, 2400, 3000, 2400]);
      expect(segments.every((s) => s.height > 0)).toBe(true);
      // No denial, tamper or regression: a stack per session, and nothing in them.
      expect((await marks('events-per-session', 'g.stack', 'data-total')).map((s) => s.value)).toEqual([
        0, 0, 0,
      ]);
      expect(await marks('events-per-session', 'rect.bar.segment', 'data-value')).toEqual([]);
      const featureCosts = await marks('cost-per-feature', 'rect.bar', 'data-value');
      expect(featureCosts).toHaveLength(2);
      for (const bar of featureCosts) {
        expect(bar.value).toBeCloseTo(0.03, 10);
        expect(bar.height).toBeGreaterThan(0);
      }
      // Tokens per feature: the tokens of the feature's one session, input and output.
      const featureTokens = await marks('tokens-per-feature', 'g.stack', 'data-total');
      expect(featureTokens.map((s) => s.value)).toEqual([5400, 5400]);
      const featureSegments = await marks('tokens-per-feature', 'rect.bar.segment', 'data-value');
      expect(featureSegments.map((s) => s.value)).toEqual([3000, 2400, 3000, 2400]);
      expect(featureSegments.every((s) => s.height > 0)).toBe(true);
      expect((await marks('time-per-feature', 'rect.bar', 'data-value')).every((b) => b.height > 0)).toBe(
        true,
      );
      // One attempt each, the one that passed.
      expect((await marks('attempts-per-feature', 'rect.bar', 'data-value')).map((b) => b.value)).toEqual([
        1, 1,
      ]);

      // The feature table: each feature's exact cost and tokens, and every field of the proof the harness
      // took (the command it ran, the runner, the test files, the counts, the commit and whether the tree
      // was dirty, and the output's end, collapsed).
      const featureRows = await cells('tr.feature');
      expect(featureRows).toHaveLength(2);
      for (const [i, id] of ['F001', 'F002'].entries()) {
        const row = featureRows[i] ?? [];
        const proof = proofs.latest[id];
        expect(row.slice(0, 8)).toEqual([
          id,
          two[i]?.description,
          'functional',
          'passing',
          '1',
          '$0.0300',
          '3,000',
          '2,400',
        ]);
        expect(row[9]).toBe('');
        expect(row[10]).toBe(`node --test tests/${id}.test.js`);
        expect(proof?.command).toBe(row[10]);
        expect(proof?.runner).toBe('node');
        expect(row[11]).toBe(proof?.runner);
        expect(proof?.files).toEqual([`tests/${id}.test.js`]);
        expect(row[12]).toBe(`tests/${id}.test.js`);
        expect(row[13]).toBe('0');
        expect(row[15]).toBe('passed 1, failed 0, skipped 0, total 1');
        expect(row[16]).toBe((proof?.commit ?? '').slice(0, 10));
        expect(row[17]).toBe(proof?.dirty === undefined ? '' : proof.dirty ? 'dirty' : 'clean');
        expect(row[18]).toBe(proof?.at);
        // Collapsed: only its summary shows until it is opened.
        expect(row[19]).toMatch(/^\d+ lines?$/);
        const tail = page.locator(`tr.feature[data-feature="${id}"] details.tail`);
        expect(await tail.locator('pre').isVisible()).toBe(false);
        await tail.locator('summary').click();
        expect(await tail.locator('pre').isVisible()).toBe(true);
        const lastLine = (proof?.outputTail ?? '').trim().split('\n').at(-1) ?? '';
        expect(lastLine).not.toBe('');
        expect(await tail.locator('pre').textContent()).toContain(lastLine);
      }
    } finally {
      await browser.close();
      await server.close();
    }
  }, 90_000);
});
