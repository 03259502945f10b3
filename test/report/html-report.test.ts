import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors/index.js';
import {
  buildReportModel,
  collectReportData,
  REPORT_CHARTS,
  readProofs,
  renderReport,
  runReportCommand,
} from '../../src/report/html-report.js';
import { harnessDir } from '../../src/state/paths.js';
import { recordProof } from '../../src/verify/proof.js';
import { buildFixture, SECRET } from './fixture.js';
import { fakeIO } from './io.js';

const NOW = new Date('2026-11-20T09:00:00.000Z');
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'report-'));
  await buildFixture(dir);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('buildReportModel', () => {
  it('derives the series of every chart from state.json and events.jsonl', async () => {
    const model = buildReportModel(await collectReportData(dir), NOW);
    expect(model.sessions.map((s) => s.passingAfter)).toEqual([0, 1, 1, 1, 1, 1, 1]);
    expect(model.sessions.map((s) => s.costUsd)).toEqual([0.5, 0.25, 0.3, 0.2, 0.1, 0.4, 0]);
    expect(model.sessions.map((s) => s.inputTokens + s.outputTokens)).toEqual([
      3000, 700, 1100, 700, 200, 1500, 0,
    ]);
    expect(model.sessions.map((s) => s.denials)).toEqual([0, 0, 2, 0, 0, 0, 0]);
    // tamper and regression records carry no session number: they belong to the session open at the time.
    expect(model.sessions.map((s) => s.tamper)).toEqual([0, 0, 1, 0, 0, 0, 0]);
    expect(model.sessions.map((s) => s.regressions)).toEqual([0, 0, 0, 0, 0, 1, 0]);
    expect(model.sessions[2]?.toolCalls).toBe(1);
    const f002 = model.features.find((f) => f.feature.id === 'F002');
    expect(f002).toMatchObject({ status: 'skipped', attempts: 3, sessions: 3 });
    expect(f002?.costUsd).toBeCloseTo(0.6, 10);
    expect(f002?.durationMs).toBe((7 + 3 + 3) * 60_000);
    expect(model.features.map((f) => f.status)).toEqual([
      'failing',
      'skipped',
      'passing',
      'pending',
      'pending',
    ]);
    expect(model.features[0]?.regressions).toBe(1);
    expect(model.denialsByRule).toEqual([
      { guard: 'shell-policy', rule: 'rm-outside-project', count: 1 },
      { guard: 'path-confinement', rule: 'outside-project', count: 1 },
    ]);
    expect(model.notable.map((e) => e.type)).toEqual([
      'policy_denial',
      'policy_denial',
      'tamper',
      'regression',
    ]);
  });
});

describe('renderReport', () => {
  it('is one self-contained file: inline CSS and SVG, no script, nothing from the network', async () => {
    const html = renderReport(await collectReportData(dir), { now: NOW });
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain(
      `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    );
    expect(html).not.toMatch(/<(script|link|iframe|object|embed|img|audio|video)\b/i);
    expect(html).not.toMatch(/<[^>]*\s(src|href|srcset)=/i);
    expect(html).not.toMatch(/url\(|@import/i);
    for (const id of REPORT_CHARTS) expect(html).toContain(`data-chart="${id}"`);
    expect(html.match(/<svg class="chart"/g)).toHaveLength(REPORT_CHARTS.length);
  });

  it('escapes every string from the project', async () => {
    const html = renderReport(await collectReportData(dir), { now: NOW });
    expect(html).toContain(
      '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quotes&#39; &lt;img src=x',
    );
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('<img');
  });

  it('shows the proof records the harness keeps in proofs.json, and tolerates a broken one', async () => {
    let html = renderReport(await collectReportData(dir), { now: NOW });
    expect(html).not.toContain('<code>npm test');

    // Written by the harness's own proof store, as a run writes it.
    await recordProof(dir, {
      featureId: 'F003',
      command: 'npm test -- dark-mode',
      runner: 'vitest',
      exitCode: 0,
      durationMs: 4200,
      counts: { passed: 12, failed: 0, skipped: 0, total: 12 },
      outputTail: '12 passed',
      commit: '0123456789abcdef',
      at: '2026-11-20T08:52:00.000Z',
    });
    html = renderReport(await collectReportData(dir), { now: NOW });
    expect(html).not.toContain('proof records are not shown');
    const row = html.split('\n').find((line) => line.includes('data-feature="F003"')) ?? '';
    expect(row).toContain('<code>npm test -- dark-mode</code>');
    expect(row).toContain('passed 12, failed 0, skipped 0, total 12');
    expect(row).toContain('<code>0123456789</code>');
    expect(row).toContain('4 s');

    // Read leniently: a record that is not an object is left out, a bad field does not hide the others.
    const file = JSON.parse(readFileSync(join(harnessDir(dir), 'proofs.json'), 'utf8'));
    file.latest.F001 = 'not an object';
    file.latest.F003.exitCode = 'zero';
    writeFileSync(join(harnessDir(dir), 'proofs.json'), JSON.stringify(file));
    const { proofs, proofsProblem } = await readProofs(dir);
    expect(proofsProblem).toBeUndefined();
    expect(Object.keys(proofs)).toEqual(['F003']);
    expect(proofs.F003).toMatchObject({ command: 'npm test -- dark-mode', durationMs: 4200 });
    expect(proofs.F003?.exitCode).toBeUndefined();

    writeFileSync(join(harnessDir(dir), 'proofs.json'), JSON.stringify({ proofs: {} }));
    expect((await readProofs(dir)).proofsProblem).toBe('proofs.json has no "latest" object');
    writeFileSync(join(harnessDir(dir), 'proofs.json'), JSON.stringify({ version: 2, latest: {} }));
    expect((await readProofs(dir)).proofsProblem).toBe(
      'proofs.json is from a newer claude-harness (version 2)',
    );

    writeFileSync(join(harnessDir(dir), 'proofs.json'), '{ nope');
    expect((await readProofs(dir)).proofsProblem).toBe('proofs.json is not valid JSON');
    html = renderReport(await collectReportData(dir), { now: NOW });
    expect(html).toContain('proofs.json is not valid JSON: proof records are not shown');
  });

  it('renders an empty project without failing', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'report-empty-'));
    try {
      writeFileSync(join(empty, 'x'), '');
      const { openState } = await import('../../src/state/store.js');
      await openState(empty).update(() => undefined);
      const html = renderReport(await collectReportData(empty), { now: NOW });
      expect(html.match(/No data yet/g)).toHaveLength(REPORT_CHARTS.length);
      expect(html).toContain('No feature list yet.');
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});

describe('claude-harness report', () => {
  it('writes .claude-harness/report.html by default, with secrets redacted', async () => {
    const io = fakeIO(dir, { MY_API_TOKEN: SECRET });
    expect(await runReportCommand({ projectDir: '.' }, io)).toBe(0);
    const out = join(harnessDir(dir), 'report.html');
    expect(io.output()).toContain(`Report written to ${out} (5 features, 7 sessions,`);
    const html = readFileSync(out, 'utf8');
    expect(html).not.toContain(SECRET);
    expect(html).toContain('tests fail with token [REDACTED:MY_API_TOKEN]');
  });

  it('writes to --out, relative to the working directory, creating its folder', async () => {
    const io = fakeIO(dir);
    await runReportCommand({ projectDir: dir, out: 'reports/run.html' }, io);
    expect(existsSync(join(dir, 'reports', 'run.html'))).toBe(true);
  });

  it('fails with exit 2 on a folder without a run', async () => {
    const io = fakeIO(tmpdir());
    await expect(runReportCommand({ projectDir: join(dir, 'missing') }, io)).rejects.toThrow(UsageError);
  });
});
