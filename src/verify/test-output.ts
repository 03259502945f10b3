/**
 * Reads test counts from a runner's default output (ANSI codes stripped first). Only the runner's final
 * summary counts: for each runner the last summary in the output wins, so a test that prints a fake
 * "Tests 9 passed" early cannot change the result (the real summary is printed after all test output).
 *
 *   vitest       ` Tests  1 failed | 2 passed | 1 skipped | 1 todo (5)`
 *   playwright   `  1 failed` / `  1 flaky` / `  2 skipped` / `  3 passed (1.2s)` (the block at the end)
 *   node --test  `# pass 3`, `# fail 0`, `# skipped 0`, `# todo 0`, `# cancelled 0` (TAP) or `ℹ pass 3` (spec)
 *   jest         `Tests:       1 failed, 1 skipped, 2 passed, 4 total`
 *   mocha        `  3 passing (12ms)`, `  1 failing`, `  2 pending`
 *
 * Skipped counts todo tests; failed counts flaky (passed only on retry), cancelled and interrupted ones.
 */
import type { TestRunner } from './test-command.js';

export interface TestCounts {
  passed: number;
  failed: number;
  skipped: number;
  total: number;
}

/** CSI and OSC escape sequences (colours, cursor moves, hyperlinks). ESC and BEL built from their codes. */
const ESC = String.fromCharCode(0x1b);
const CSI8 = String.fromCharCode(0x9b);
const BEL = String.fromCharCode(0x07);
const ANSI = new RegExp(
  `[${ESC}${CSI8}][[\\]()#;?]*(?:(?:\\d{1,4}(?:;\\d{0,4})*)?[\\dA-ORZcf-nq-uy=><~]|\\][^${BEL}]*${BEL})`,
  'g',
);

export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}

/** The counts of the runner's final summary in `output`, or undefined when there is none. */
export function parseTestCounts(runner: TestRunner, output: string): TestCounts | undefined {
  const lines = stripAnsi(output).replace(/\r\n?/g, '\n').split('\n');
  switch (runner) {
    case 'vitest':
      return parseVitest(lines);
    case 'playwright':
      return parsePlaywright(lines);
    case 'node':
      return parseNode(lines);
    case 'jest':
      return parseJest(lines);
    case 'mocha':
      return parseMocha(lines);
  }
}

function parseVitest(lines: readonly string[]): TestCounts | undefined {
  const line = lastMatching(lines, /^\s*Tests\s+\d+ (?:passed|failed|skipped|todo)/);
  if (line === undefined) return undefined;
  const counts = tally(line, /(\d+) (passed|failed|skipped|todo)/g, {
    passed: 'passed',
    failed: 'failed',
    skipped: 'skipped',
    todo: 'skipped',
  });
  const total = /\((\d+)\)\s*$/.exec(line)?.[1];
  return withTotal(counts, total);
}

const PLAYWRIGHT_COUNT = /^\s*(\d+) (passed|failed|flaky|skipped|did not run|interrupted)\b/;

function parsePlaywright(lines: readonly string[]): TestCounts | undefined {
  let end = lines.length - 1;
  while (end >= 0 && !PLAYWRIGHT_COUNT.test(lines[end] as string)) end -= 1;
  if (end < 0) return undefined;
  // The summary block: count lines, the indented list of tests under "1 failed", and blank lines.
  const block: string[] = [];
  for (let i = end; i >= 0; i--) {
    const line = lines[i] as string;
    if (PLAYWRIGHT_COUNT.test(line)) block.push(line);
    else if (line.trim() !== '' && !/^\s{4,}\S/.test(line)) break;
  }
  return withTotal(
    tally(block.join('\n'), new RegExp(PLAYWRIGHT_COUNT.source, 'gm'), {
      passed: 'passed',
      failed: 'failed',
      flaky: 'failed',
      interrupted: 'failed',
      skipped: 'skipped',
      'did not run': 'skipped',
    }),
    undefined,
  );
}

function parseNode(lines: readonly string[]): TestCounts | undefined {
  const value = (key: string): number | undefined => {
    const line = lastMatching(lines, new RegExp(`^\\s*(?:#|ℹ)\\s*${key}\\s+\\d+\\s*$`));
    return line === undefined ? undefined : Number(/(\d+)\s*$/.exec(line)?.[1]);
  };
  const passed = value('pass');
  const failed = value('fail');
  if (passed === undefined || failed === undefined) return undefined;
  const skipped = (value('skipped') ?? 0) + (value('todo') ?? 0);
  const cancelled = value('cancelled') ?? 0;
  return { passed, failed: failed + cancelled, skipped, total: passed + failed + cancelled + skipped };
}

function parseJest(lines: readonly string[]): TestCounts | undefined {
  const line = lastMatching(lines, /^\s*Tests:\s+.*\d+ total/);
  if (line === undefined) return undefined;
  const counts = tally(line, /(\d+) (passed|failed|skipped|todo|pending)/g, {
    passed: 'passed',
    failed: 'failed',
    skipped: 'skipped',
    todo: 'skipped',
    pending: 'skipped',
  });
  return withTotal(counts, /(\d+) total/.exec(line)?.[1]);
}

function parseMocha(lines: readonly string[]): TestCounts | undefined {
  const passing = lastMatching(lines, /^\s*\d+ passing\b/);
  if (passing === undefined) return undefined;
  const at = lines.lastIndexOf(passing);
  const after = lines.slice(at, at + 4).join('\n');
  return withTotal(
    tally(after, /^\s*(\d+) (passing|failing|pending)\b/gm, {
      passing: 'passed',
      failing: 'failed',
      pending: 'skipped',
    }),
    undefined,
  );
}

type Kind = 'passed' | 'failed' | 'skipped';

function tally(text: string, pattern: RegExp, kinds: Record<string, Kind>): Omit<TestCounts, 'total'> {
  const counts = { passed: 0, failed: 0, skipped: 0 };
  for (const match of text.matchAll(pattern)) {
    const kind = kinds[match[2] ?? ''];
    if (kind !== undefined) counts[kind] += Number(match[1]);
  }
  return counts;
}

function withTotal(counts: Omit<TestCounts, 'total'>, total: string | undefined): TestCounts {
  const sum = counts.passed + counts.failed + counts.skipped;
  return { ...counts, total: total === undefined ? sum : Math.max(Number(total), sum) };
}

function lastMatching(lines: readonly string[], pattern: RegExp): string | undefined {
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i] as string;
    if (pattern.test(line)) return line;
  }
  return undefined;
}
