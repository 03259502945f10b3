#!/usr/bin/env node
// Cold start of `claude-harness --help`: median (and p90) wall time of N runs of the built CLI.
// Target: under 150 ms. Run `npm run build` first. Usage: node bench/startup.mjs [runs] [-- extra args]
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
if (!existsSync(cli)) {
  console.error('dist/cli/main.js is missing: run `npm run build` first.');
  process.exit(2);
}
const runs = Number(process.argv[2] ?? 20);
const dash = process.argv.indexOf('--');
const args = dash === -1 ? ['--help'] : process.argv.slice(dash + 1);
const TARGET_MS = 150;

const times = [];
for (let i = 0; i < runs + 1; i++) {
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, [cli, ...args], { stdio: 'ignore' });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) {
    console.error(`claude-harness ${args.join(' ')} exited with ${result.status}`);
    process.exit(1);
  }
  if (i > 0) times.push(ms); // the first run warms the file cache
}
times.sort((a, b) => a - b);
const at = (q) => times[Math.min(times.length - 1, Math.floor(q * times.length))];
const median = times.length % 2 ? at(0.5) : (times[times.length / 2 - 1] + times[times.length / 2]) / 2;
console.log(
  `claude-harness ${args.join(' ')}: median ${median.toFixed(1)} ms, p90 ${at(0.9).toFixed(1)} ms, min ${times[0].toFixed(1)} ms over ${runs} runs (target < ${TARGET_MS} ms)`,
);
