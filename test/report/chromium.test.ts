/**
 * The HTML report in a real browser: Debian's headless Chromium loads the file (file://, no server),
 * `--dump-dom` gives the DOM it built and `--screenshot` what it drew. The checks: the SVG charts are in
 * the DOM with the expected number of bars, stacks and points; no script or image element came out of the
 * project's strings; and the screenshot shows the charts' colours over real areas, so they were drawn.
 *
 * Needs /usr/bin/chromium (`apt-get install -y chromium`; .ci/run installs it). Set CHROMIUM_PATH to use
 * another binary, or CLAUDE_HARNESS_SKIP_CHROMIUM=1 to skip on a machine without one.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COLORS } from '../../src/report/charts.js';
import { REPORT_CHARTS, runReportCommand } from '../../src/report/html-report.js';
import { recordProof } from '../../src/verify/proof.js';
import { buildFixture, XSS } from './fixture.js';
import { fakeIO } from './io.js';
import { countColor, decodePng, distinctColors } from './png.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SKIP = process.env.CLAUDE_HARNESS_SKIP_CHROMIUM === '1';
const WIDTH = 1280;
const HEIGHT = 2400;

function chromiumInstalled(): boolean {
  try {
    accessSync(CHROMIUM, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Runs headless Chromium once with its own profile; resolves with stdout. */
function chromium(args: string[], profile: string): Promise<string> {
  const flags = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--hide-scrollbars',
    '--force-device-scale-factor=1',
    `--user-data-dir=${profile}`,
  ];
  return new Promise((resolve, reject) => {
    execFile(
      CHROMIUM,
      [...flags, ...args],
      { timeout: 60_000, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, DBUS_SESSION_BUS_ADDRESS: '' } },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`chromium failed: ${error.message}\n${stderr}`));
        else resolve(stdout);
      },
    );
  });
}

describe.skipIf(SKIP)('the HTML report in headless Chromium', () => {
  let dir: string;
  let report: string;
  let dom: string;
  let screenshot: string;

  beforeAll(async () => {
    if (!chromiumInstalled()) {
      throw new Error(
        `${CHROMIUM} is missing: install it with \`apt-get install -y chromium\` (or set CHROMIUM_PATH, or CLAUDE_HARNESS_SKIP_CHROMIUM=1 to skip)`,
      );
    }
    dir = await mkdtemp(join(tmpdir(), 'report-chromium-'));
    await buildFixture(dir);
    // A proof whose command, test file and output try to become elements.
    await recordProof(dir, {
      featureId: 'F003',
      command: `npm test -- '</script><script>alert(1)</script>' ${XSS}`,
      runner: 'vitest',
      exitCode: 0,
      durationMs: 4200,
      counts: { passed: 12, failed: 0, skipped: 0, total: 12 },
      outputTail: `\u001b[32m✓\u001b[39m test/dark-mode.test.ts\n</pre></details><img src=x onerror=alert(2)>\nTests  12 passed (12)\n`,
      commit: '0123456789abcdef',
      dirty: true,
      files: ['test/dark-mode.test.ts', 'test/<img src=x onerror=alert(3)>.test.ts'],
      at: '2026-11-20T08:52:00.000Z',
    });
    report = join(dir, 'report.html');
    await runReportCommand({ projectDir: dir, out: report }, fakeIO(dir));
    const url = pathToFileURL(report).href;
    screenshot = join(dir, 'report.png');
    [dom] = await Promise.all([
      chromium(['--dump-dom', url], join(dir, 'profile-dom')),
      chromium(
        [`--window-size=${WIDTH},${HEIGHT}`, `--screenshot=${screenshot}`, url],
        join(dir, 'profile-png'),
      ),
    ]);
  }, 120_000);

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** The markup of one chart as the browser serialised it. */
  function chart(id: string): string {
    const start = dom.indexOf(`data-chart="${id}"`);
    expect(start, `chart ${id} in the DOM`).toBeGreaterThan(-1);
    return dom.slice(start, dom.indexOf('</svg>', start));
  }
  const count = (text: string, pattern: RegExp) => text.match(pattern)?.length ?? 0;

  it('built every chart as SVG in the DOM, with one mark per data point', () => {
    expect(count(dom, /<svg [^>]*class="chart"/g)).toBe(REPORT_CHARTS.length);
    expect(count(chart('passing-over-sessions'), /<circle [^>]*class="point"/g)).toBe(7);
    expect(count(chart('passing-over-sessions'), /<path [^>]*class="line"/g)).toBe(1);
    expect(count(chart('cost-per-session'), /<rect [^>]*class="bar"/g)).toBe(7);
    expect(count(chart('tokens-per-session'), /<g [^>]*class="stack"/g)).toBe(7);
    // Six sessions used tokens, each with an input and an output segment.
    expect(count(chart('tokens-per-session'), /<rect [^>]*class="bar segment"/g)).toBe(12);
    expect(count(chart('events-per-session'), /<g [^>]*class="stack"/g)).toBe(7);
    expect(count(chart('events-per-session'), /<rect [^>]*class="bar segment"/g)).toBe(3);
    for (const id of ['cost-per-feature', 'time-per-feature', 'attempts-per-feature']) {
      expect(count(chart(id), /<rect [^>]*class="bar"/g), id).toBe(4);
    }
    // Tokens per feature: a stack for each of the 4 features with a session; F004's session used none.
    expect(count(chart('tokens-per-feature'), /<g [^>]*class="stack"/g)).toBe(4);
    expect(count(chart('tokens-per-feature'), /<rect [^>]*class="bar segment"/g)).toBe(6);
    expect(chart('tokens-per-feature')).toContain('<title>F002 · input: 1,000</title>');
    expect(count(dom, /<tr class="feature /g)).toBe(5);
    expect(count(dom, /<tr class="session /g)).toBe(7);
  });

  it('turned none of the project strings into elements', () => {
    expect(dom).not.toMatch(/<script|<img/i);
    expect(dom).toContain('&lt;script&gt;alert("x")&lt;/script&gt;');
    // The proof's command, test file and output stayed text.
    expect(dom).toContain("npm test -- '&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;'");
    expect(dom).toContain('<code>test/&lt;img src=x onerror=alert(3)&gt;.test.ts</code>');
    expect(dom).toContain('&lt;/pre&gt;&lt;/details&gt;&lt;img src=x onerror=alert(2)&gt;');
  });

  it('shows exact figures in the summary and the tables', () => {
    expect(dom).toContain('<div class="k">Cost</div><div class="v">$1.7500</div>');
    expect(dom).toContain('<div class="k">Tokens in / out</div><div class="v">3,000 / 4,200</div>');
    const row = (id: string) => {
      const start = dom.indexOf(`data-feature="${id}"`);
      return dom.slice(start, dom.indexOf('</tr>', start));
    };
    // F002: cost, tokens in and out over its three sessions.
    expect(row('F002')).toMatch(/>\$0\.6000<\/td><td class="num">1,000<\/td><td class="num">1,000<\/td>/);
  });

  it('shows every field of the proof record, the output collapsed', () => {
    const proof = dom.slice(dom.indexOf('data-feature="F003"'));
    const cells = [...proof.slice(0, proof.indexOf('</tr>')).matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map(
      (m) => m[1] ?? '',
    );
    expect(cells[11]).toBe('vitest');
    expect(cells[12]).toContain('<li><code>test/dark-mode.test.ts</code></li>');
    expect(cells[16]).toContain('>0123456789</code>');
    expect(cells[17]).toContain('>dirty</span>');
    // Collapsed (no `open`), the terminal escapes gone, the lines kept.
    expect(cells[19]).toMatch(/^<details class="tail"><summary>3 lines<\/summary><pre>/);
    expect(cells[19]).toContain('✓ test/dark-mode.test.ts\n');
    expect(cells[19]).not.toContain('\u001b');
    expect(count(dom, /<details [^>]*open/g)).toBe(0);
  });

  it('drew the charts: the screenshot has their colours', () => {
    const file = readFileSync(screenshot);
    expect(statSync(screenshot).size).toBeGreaterThan(20_000);
    const image = decodePng(file);
    expect(image.width).toBe(WIDTH);
    expect(image.height).toBe(HEIGHT);
    expect(distinctColors(image)).toBeGreaterThan(50);
    // Bars of real size: input and output tokens, the skipped feature's red, the tamper segment's purple.
    expect(countColor(image, COLORS.input)).toBeGreaterThan(4_000);
    expect(countColor(image, COLORS.output)).toBeGreaterThan(4_000);
    expect(countColor(image, COLORS.skipped)).toBeGreaterThan(2_000);
    expect(countColor(image, COLORS.tamper)).toBeGreaterThan(500);
    // The one timed-out session's cost bar.
    expect(countColor(image, COLORS.timeout)).toBeGreaterThan(200);
  });
});
