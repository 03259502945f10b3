import { existsSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors/index.js';
import { usdExact } from '../../src/report/cost.js';
import {
  buildReportModel,
  collectReportData,
  formatCount,
  OUTPUT_TAIL_SHOWN,
  REPORT_CHARTS,
  readProofs,
  renderReport,
  runReportCommand,
} from '../../src/report/html-report.js';
import { createRedactor } from '../../src/report/redact.js';
import { cleanTerminalText } from '../../src/report/terminal-text.js';
import { harnessDir } from '../../src/state/paths.js';
import { recordProof } from '../../src/verify/proof.js';
import { buildFixture, SECRET, XSS } from './fixture.js';
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
    expect(f002).toMatchObject({ inputTokens: 500 + 400 + 100, outputTokens: 600 + 300 + 100 });
    expect(model.features.map((f) => [f.inputTokens, f.outputTokens])).toEqual([
      [300, 400],
      [1000, 1000],
      [700, 800],
      [0, 0],
      [0, 0],
    ]);
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
      outputTail:
        ' ✓ test/dark-mode.test.ts (12 tests)\n\n Test Files  1 passed (1)\n      Tests  12 passed (12)\n',
      commit: '0123456789abcdef',
      dirty: true,
      files: ['test/dark-mode.test.ts', 'test/theme.test.ts'],
      at: '2026-11-20T08:52:00.000Z',
    });
    html = renderReport(await collectReportData(dir), { now: NOW });
    expect(html).not.toContain('proof records are not shown');
    const row = html.split('\n').find((line) => line.includes('data-feature="F003"')) ?? '';
    const cells = [...row.matchAll(/<td[^>]*>(.*?)<\/td>/g)].map((m) => m[1]);
    expect(cells.slice(10)).toEqual([
      '<code>npm test -- dark-mode</code>',
      'vitest',
      '<ul class="files"><li><code>test/dark-mode.test.ts</code></li><li><code>test/theme.test.ts</code></li></ul>',
      '0',
      '4 s',
      'passed 12, failed 0, skipped 0, total 12',
      '<code title="0123456789abcdef">0123456789</code>',
      expect.stringContaining('>dirty</span>'),
      '2026-11-20T08:52:00.000Z',
      // Collapsed: no `open` attribute.
      '<details class="tail"><summary>4 lines</summary><pre> ✓ test/dark-mode.test.ts (12 tests)&#10;&#10; Test Files  1 passed (1)&#10;      Tests  12 passed (12)&#10;</pre></details>',
    ]);
    // A feature without a proof has one dash over all the proof columns.
    const none = html.split('\n').find((line) => line.includes('data-feature="F001"')) ?? '';
    expect(none).toContain('<td colspan="10" class="none">—</td>');

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

    // Unreadable with a last good copy: the copy is shown, as the next run restores it.
    writeFileSync(join(harnessDir(dir), 'proofs.json'), '{ cut sh');
    const fromCopy = await readProofs(dir);
    expect(fromCopy.proofsProblem).toBeUndefined();
    expect(Object.keys(fromCopy.proofs)).toEqual(['F003']);
    expect(fromCopy.proofsNote).toBe(
      'proofs.json is not valid JSON; showing its last good copy, which the next run restores',
    );
    html = renderReport(await collectReportData(dir), { now: NOW });
    expect(html).toContain('showing its last good copy, which the next run restores');
    // A newer file is never shown from an older copy.
    writeFileSync(join(harnessDir(dir), 'proofs.json'), JSON.stringify({ version: 2, latest: {} }));
    expect((await readProofs(dir)).proofsProblem).toBe(
      'proofs.json is from a newer claude-harness (version 2)',
    );
    rmSync(join(harnessDir(dir), 'proofs.json.last-good'));

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

    // Never through a link: an outside proofs file (or journal) is not read, and the links stay.
    const outside = await mkdtemp(join(tmpdir(), 'report-outside-'));
    try {
      writeFileSync(
        join(outside, 'proofs.json'),
        JSON.stringify({ version: 1, latest: { F001: { command: 'OUTSIDE_MARKER_93' } }, history: [] }),
      );
      writeFileSync(
        join(outside, 'events.jsonl'),
        `${JSON.stringify({ v: 1, at: NOW.toISOString(), type: 'tamper', changes: ['OUTSIDE_MARKER_93'] })}\n`,
      );
      rmSync(join(harnessDir(dir), 'proofs.json'));
      symlinkSync(join(outside, 'proofs.json'), join(harnessDir(dir), 'proofs.json'));
      rmSync(join(harnessDir(dir), 'events.jsonl'), { force: true });
      symlinkSync(join(outside, 'events.jsonl'), join(harnessDir(dir), 'events.jsonl'));
      expect((await readProofs(dir)).proofsProblem).toBe(
        '.claude-harness/proofs.json is a symbolic link: the harness reads only real files in the project',
      );
      html = renderReport(await collectReportData(dir), { now: NOW });
      expect(html).not.toContain('OUTSIDE_MARKER_93');
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });

  it('escapes and redacts the proof fields, and keeps only the end of a long output', async () => {
    const secretLine = `Authorization failed for ${SECRET}`;
    const longOutput = `${'x'.repeat(5000)}\n${secretLine}\n\u001b[31mFAIL\u001b[0m </script><img src=x onerror=alert(2)>\r\ndone\u0007\n`;
    await recordProof(dir, {
      featureId: 'F005',
      command: `npx vitest run '</script><script>alert(1)</script>' ${XSS}`,
      runner: 'vitest',
      exitCode: 0,
      durationMs: 1000,
      counts: { passed: 1, failed: 0, skipped: 0, total: 1 },
      outputTail: longOutput,
      commit: null,
      dirty: false,
      files: [`test/<img src=x onerror=alert(3)>.test.ts`],
      at: '2026-11-20T08:59:00.000Z',
    });
    // Fields the schema would refuse, written by hand: still escaped.
    const file = JSON.parse(readFileSync(join(harnessDir(dir), 'proofs.json'), 'utf8'));
    file.latest.F005.runner = '<img src=x onerror=alert(4)>';
    writeFileSync(join(harnessDir(dir), 'proofs.json'), JSON.stringify(file));

    const html = renderReport(await collectReportData(dir), {
      now: NOW,
      redact: createRedactor({ env: { MY_API_TOKEN: SECRET } }),
    });
    expect(html).not.toMatch(/<(script|img)\b/i);
    expect(html).not.toContain('</script>');
    expect(html).not.toContain(SECRET);
    const row = html.split('\n').find((line) => line.includes('data-feature="F005"')) ?? '';
    expect(row).toContain(
      '<code>npx vitest run &#39;&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;&#39; &lt;script&gt;',
    );
    expect(row).toContain('<td>&lt;img src=x onerror=alert(4)&gt;</td>');
    expect(row).toContain('<code>test/&lt;img src=x onerror=alert(3)&gt;.test.ts</code>');
    expect(row).toContain('<span class="none">no commit</span>');
    expect(row).toContain('<td>clean</td>');
    // The output's end, in a collapsed <details>, on the row's line (line feeds as &#10;).
    const tail = row.slice(row.indexOf('<details class="tail">'));
    const pre = tail.slice(tail.indexOf('<pre>') + 5, tail.indexOf('</pre>'));
    expect(pre).toContain('Authorization failed for [REDACTED:MY_API_TOKEN]');
    expect(pre).toContain('&#10;FAIL &lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;&#10;done␇&#10;');
    expect([...pre].filter((c) => c.charCodeAt(0) < 0x20)).toEqual([]);
    expect(pre.replaceAll('&#10;', '\n').replace(/&[a-z]+;/g, '.').length).toBe(OUTPUT_TAIL_SHOWN);
    // The line of x's is cut: 4 lines of the 5,099 characters left once the escape sequences are gone (the BEL shown as ␇).
    expect(tail).toMatch(
      /^<details class="tail"><summary>4 lines, last 2,000 of 5,099 characters<\/summary>/,
    );
  });

  it('shows exact cost (4 decimals) and token counts (separators) in the summary and the tables', async () => {
    const exact = await mkdtemp(join(tmpdir(), 'report-exact-'));
    try {
      await buildFixture(exact, [
        { kind: 'initializer', outcome: 'passed', costUsd: 0.123456, input: 12_345, output: 6789 },
        {
          kind: 'coding',
          featureId: 'F001',
          outcome: 'passed',
          costUsd: 1.5,
          input: 1_234_567,
          output: 98_765,
          passes: true,
        },
        { kind: 'coding', featureId: 'F001', outcome: 'failed', costUsd: 0.005, input: 10_000, output: 1 },
      ]);
      const html = renderReport(await collectReportData(exact), { now: NOW });
      expect(html).toContain('<div class="k">Cost</div><div class="v">$1.6285</div>');
      expect(html).toContain('<div class="k">Tokens in / out</div><div class="v">1,256,912 / 105,555</div>');
      const feature = html.split('\n').find((line) => line.includes('data-feature="F001"')) ?? '';
      // Cost, tokens in and tokens out of F001's two sessions.
      expect(feature).toContain('>$1.5050</td><td class="num">1,244,567</td><td class="num">98,766</td>');
      const sessions = html.split('\n').filter((line) => line.startsWith('<tr class="session '));
      expect(sessions.map((line) => line.match(/<td class="num"[^>]*>([^<]*)<\/td><\/tr>$/)?.[1])).toEqual([
        '$0.1235',
        '$1.5000',
        '$0.0050',
      ]);
      expect(sessions[1]).toContain('<td class="num">1,234,567</td><td class="num">98,765</td>');
      // Nothing abbreviated outside the charts.
      const outsideCharts = html.replace(/<svg[\s\S]*?<\/svg>/g, '');
      expect(outsideCharts).not.toMatch(/\d(k|M)\b/);
      expect(outsideCharts).not.toMatch(/\$\d+\.\d{2}(?!\d)/);
      // The per-feature tokens chart: one stack for F001, exact in its tooltips, abbreviated on its axis.
      const chart = html.slice(html.indexOf('data-chart="tokens-per-feature"'));
      const svg = chart.slice(0, chart.indexOf('</svg>'));
      expect(svg).toContain('<g class="stack" data-label="F001" data-total="1343333">');
      expect(svg).toContain('<title>F001 · input: 1,244,567</title>');
      expect(svg).toContain('<title>F001 · output: 98,766</title>');
      expect(svg).toMatch(/>1\.5M<\/text>/);
    } finally {
      await rm(exact, { recursive: true, force: true });
    }
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

describe('exact figures', () => {
  it('formats money with 4 decimals and counts with separators, as the live view does', () => {
    expect(usdExact(0.42)).toBe('$0.4200');
    expect(usdExact(0.08)).toBe('$0.0800');
    expect(usdExact(0)).toBe('$0.0000');
    expect(usdExact(12.345678)).toBe('$12.3457');
    expect(formatCount(8000)).toBe('8,000');
    expect(formatCount(1_234_567)).toBe('1,234,567');
    expect(formatCount(0)).toBe('0');
  });

  it('removes terminal escapes and shows control characters in output (cleanTerminalText)', () => {
    expect(
      cleanTerminalText(
        '\u001b[1m\u001b[32m✓\u001b[39m\u001b[22m ok\r\nnext\u0000\tend\u001b]8;;http://x\u0007link\u001b]8;;\u0007',
      ),
    ).toBe('✓ ok\nnext␀\tendlink');
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
