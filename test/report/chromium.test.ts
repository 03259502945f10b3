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
import { buildFixture } from './fixture.js';
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
    expect(count(dom, /<tr class="feature /g)).toBe(5);
    expect(count(dom, /<tr class="session /g)).toBe(7);
  });

  it('turned none of the project strings into elements', () => {
    expect(dom).not.toMatch(/<script|<img/i);
    expect(dom).toContain('&lt;script&gt;alert("x")&lt;/script&gt;');
  });

  it('drew the charts: the screenshot has their colours', () => {
    const file = readFileSync(screenshot);
    expect(statSync(screenshot).size).toBeGreaterThan(20_000);
    const image = decodePng(file);
    expect(image.width).toBe(WIDTH);
    expect(image.height).toBe(HEIGHT);
    expect(distinctColors(image)).toBeGreaterThan(50);
    // Bars of real size: input and output tokens, the skipped feature's red, the tamper segment's purple.
    expect(countColor(image, COLORS.input)).toBeGreaterThan(2_000);
    expect(countColor(image, COLORS.output)).toBeGreaterThan(2_000);
    expect(countColor(image, COLORS.skipped)).toBeGreaterThan(2_000);
    expect(countColor(image, COLORS.tamper)).toBeGreaterThan(500);
    // The one timed-out session's cost bar.
    expect(countColor(image, COLORS.timeout)).toBeGreaterThan(200);
  });
});
