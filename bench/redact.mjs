#!/usr/bin/env node
// The output filter every log line and every event passes: the redactor (src/report/redact.ts, with a
// typical environment's secret variables) and the terminal-text cleaner (src/report/terminal-text.ts).
// Times each case many times and prints the median and p99 per call, and the throughput on 1 MB of log.
// Target: p99 under 50 µs for a log line, under 1 ms for a 4 KB event; 1 MB of log under 50 ms.
// Run `npm run build` first. Usage: node bench/redact.mjs [--runs 20000]
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const redactModule = `${root}dist/report/redact.js`;
if (!existsSync(redactModule)) {
  console.error('dist/report/redact.js is missing: run `npm run build` first.');
  process.exit(2);
}
const { createRedactor, redactDeep } = await import(redactModule);
const { cleanTerminalText } = await import(`${root}dist/report/terminal-text.js`);

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
};
const runs = arg('runs', 20_000);

const join = (...parts) => parts.join('');
const env = {
  ANTHROPIC_API_KEY: join('sk-ant-', 'api03-', 'Zx81kQ2pL0mN4vB7'.repeat(5)),
  GITHUB_TOKEN: join('gh', 'p_', 'R8mK2vQ9xL4tZ7wN1bC6yH3jF5sD0gA2pE8u'),
  AWS_SECRET_ACCESS_KEY: join('wJalrXUtnFEMI/K7MDENG', '/bPxRfiCYzXAMPLEKEY'),
  DATABASE_PASSWORD: 'c0rrect-h0rse-battery',
  HOME: '/home/user',
  PATH: '/usr/local/bin:/usr/bin:/bin',
};
const redact = createRedactor({ env });
const filter = (text) => cleanTerminalText(redact(text));

const ESC = '\u001b';
const cases = [
  ['plain log line', '  → Bash npm test -- --reporter=dot tests/todo.test.js'],
  ['test output with colours', `    │ ${ESC}[32m✓${ESC}[39m adds a todo ${ESC}[2m(3 ms)${ESC}[22m`],
  ['line with a token', `    │ remote: using ${env.GITHUB_TOKEN} for https://github.com/acme/app.git`],
  ['line with KEY=value', `    │ export STRIPE_SECRET=Zx81kQ2pL0mN4vB7 DEBUG=1 NODE_ENV=test`],
  ['hostile line (OSC 52, CSI 2J, C1)', `    │ ${ESC}]52;c;cHduZWQ=\u0007${ESC}[2J\u009b2J done`],
];
const sourceFile = Array.from(
  { length: 120 },
  (_, i) => `export function step${i}(input: string): string { return input.trim() + '${i}'; }`,
).join('\n');
const event = {
  type: 'tool_call',
  session: 3,
  id: 'toolu_01',
  tool: 'Write',
  input: { file_path: '/home/user/app/src/steps.ts', content: sourceFile.slice(0, 4096) },
};

function time(fn) {
  for (let i = 0; i < Math.min(2_000, runs); i++) fn();
  const samples = new Float64Array(runs);
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    fn();
    samples[i] = Number(process.hrtime.bigint() - started) / 1000;
  }
  samples.sort();
  return { p50: samples[Math.floor(runs * 0.5)], p99: samples[Math.floor(runs * 0.99)] };
}

const rows = [];
for (const [name, line] of cases) rows.push([`${name} (${line.length} chars)`, time(() => filter(line))]);
rows.push([`4 KB tool_call event (redactDeep)`, time(() => redactDeep(event, redact))]);
rows.push([`100 KB Write content (redact)`, time(() => redact(sourceFile.repeat(12).slice(0, 100_000)))]);

const width = Math.max(...rows.map(([name]) => name.length));
console.log(`${'case'.padEnd(width)}  median µs   p99 µs   (${runs} runs each)`);
for (const [name, { p50, p99 }] of rows) {
  console.log(`${name.padEnd(width)}  ${p50.toFixed(1).padStart(9)}  ${p99.toFixed(1).padStart(7)}`);
}

const logLine = `    │ ok 12 - adds a todo (3 ms) lorem ipsum dolor sit amet ${ESC}[32m✓${ESC}[0m\n`;
const megabyte = logLine.repeat(Math.ceil(1_000_000 / logLine.length));
filter(megabyte);
const started = performance.now();
filter(megabyte);
const ms = performance.now() - started;
console.log(`1 MB of log through redact + clean: ${ms.toFixed(1)} ms (${(1000 / ms).toFixed(0)} MB/s)`);

const lineP99 = Math.max(...rows.slice(0, cases.length).map(([, r]) => r.p99));
const eventP99 = rows[cases.length][1].p99;
const ok = lineP99 < 50 && eventP99 < 1000 && ms < 50;
console.log(ok ? 'within target' : 'OVER TARGET');
process.exitCode = ok ? 0 : 1;
