#!/usr/bin/env node
// Shell-policy decision time: p50/p99 of `checkCommand` over a generated corpus of 10,000 commands (everyday
// commands, bypass attempts and variations), after the parser is loaded. Target: p99 under 1 ms.
// Run `npm run build` first. Usage: node bench/policy.mjs [count]
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = fileURLToPath(new URL('../dist/guards/shell/', import.meta.url));
if (!existsSync(join(dist, 'evaluate.js'))) {
  console.error('dist/guards/shell/evaluate.js is missing: run `npm run build` first.');
  process.exit(2);
}
const { checkCommand } = await import(join(dist, 'evaluate.js'));
const { DEFAULT_POLICY } = await import(join(dist, 'default-policy.js'));

const COUNT = Number(process.argv[2] ?? 10_000);
const TARGET_MS = 1;

const projectDir = realpathSync(mkdtempSync(join(tmpdir(), 'ch-bench-policy-')));
for (const dir of ['.git/hooks', '.claude-harness', 'src/components', 'dist', 'node_modules/.bin']) {
  mkdirSync(join(projectDir, dir), { recursive: true });
}
writeFileSync(join(projectDir, 'package.json'), JSON.stringify({ scripts: { dev: 'vite', build: 'tsc' } }));
writeFileSync(join(projectDir, 'init.sh'), '#!/bin/sh\n');
const context = { projectDir, stateDir: join(projectDir, '.claude-harness'), protectedPids: [process.pid] };

// Templates: `{f}` a file name, `{d}` a folder, `{n}` a number, `{w}` a word.
const TEMPLATES = [
  'ls -la {d}',
  'cat {d}/{f}.ts | head -n {n}',
  'grep -rn "{w}" src | head -20',
  'git status && git add -A && git commit -m "feat: {w}; {w}"',
  'git log --oneline -n {n}',
  'git diff HEAD~1 -- {d}',
  'npm test -- --grep "{w} && {w}"',
  'npm run build 2>&1 | tee build.log',
  'npm install {w}@{n}',
  'npx vitest run {d}/{f}.test.ts',
  'npx tsc --noEmit -p tsconfig.json',
  'for f in {d}/*.ts; do wc -l "$f"; done',
  "echo '{w} | {w}' > notes.txt",
  'mkdir -p {d}/{w} && touch {d}/{w}/{f}.ts',
  'rm -rf dist/{w}',
  'cp {d}/{f}.ts {d}/{f}.bak',
  'mv {d}/{f}.ts {d}/{w}.ts',
  'sed -i "s/{w}/{w}/g" {d}/{f}.ts',
  'chmod +x init.sh && ./init.sh',
  'curl -s http://localhost:{n}/api/{w}',
  'if [ -f package.json ]; then npm ci; else echo "no {w}"; fi',
  'cd {d} && ls ../{d}',
  'find {d} -name "*.{w}" -delete',
  'find src -name "*.ts" | xargs grep -l "{w}"',
  'node server.js > server.log 2>&1 &',
  'sleep 1 && curl -sf http://127.0.0.1:{n}/health || echo down',
  'cat <<EOF > {f}.md\n# {w}\n{w} {w}\nEOF',
  // Denied.
  'rm -rf /{w}',
  'bash -c "rm -rf /{w}"',
  'ls\nrm -rf /{w}',
  'echo "$(curl {w}.com)"',
  'env rm -rf /{w}',
  "git -c core.pager='sh -c {w}' log",
  'echo {w} > ~/.bashrc',
  'echo {w} > /etc/{w}',
  'find / -name {w} -delete',
  'find . -exec rm -rf /{w} \\;',
  '/bin/rm -rf /{w}',
  'nohup sudo {w}',
  'timeout {n} ssh {w}',
  'npx {w}-random-pkg',
  'eval "{w}"',
  'curl https://{w}.example.net',
  'git push --force origin {w}',
  'cp {f} .git/hooks/pre-commit',
  'rm -rf .git',
  'cat {f}.sh | bash',
  'xargs rm < /etc/{w}',
];
const WORDS = ['alpha', 'beta', 'gamma', 'delta', 'widget', 'user', 'order', 'cart', 'auth', 'api'];
const DIRS = ['src', 'src/components', 'dist', 'test', 'lib'];

let seed = 42;
const random = () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
  return seed / 2 ** 31;
};
const pick = (list) => list[Math.floor(random() * list.length)];
const corpus = Array.from({ length: COUNT }, (_, index) =>
  TEMPLATES[index % TEMPLATES.length]
    .replaceAll('{f}', () => pick(WORDS))
    .replaceAll('{d}', () => pick(DIRS))
    .replaceAll('{n}', () => String(Math.floor(random() * 9000) + 1000))
    .replaceAll('{w}', () => pick(WORDS)),
);

// Warm up: load the parser and let the JIT settle.
for (const command of corpus.slice(0, 500)) await checkCommand(command, DEFAULT_POLICY, context);

// Wall time is what the agent waits; CPU time (this process, all threads) leaves out time spent waiting for
// a CPU, so a busy machine (see the load average) shows in the first and not in the second.
const wall = [];
const cpu = [];
let denied = 0;
const started = process.hrtime.bigint();
for (const command of corpus) {
  const cpuStart = process.cpuUsage();
  const start = process.hrtime.bigint();
  const decision = await checkCommand(command, DEFAULT_POLICY, context);
  wall.push(Number(process.hrtime.bigint() - start) / 1e6);
  const used = process.cpuUsage(cpuStart);
  cpu.push((used.user + used.system) / 1e3);
  if (decision.decision === 'deny') denied += 1;
}
const total = Number(process.hrtime.bigint() - started) / 1e6;
rmSync(projectDir, { recursive: true, force: true });

const stats = (times) => {
  const sorted = [...times].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: sorted.at(-1) };
};
const line = (label, { p50, p90, p99, max }) =>
  `  ${label}: p50 ${p50.toFixed(3)} ms, p90 ${p90.toFixed(3)} ms, p99 ${p99.toFixed(3)} ms, max ${max.toFixed(3)} ms`;
const wallStats = stats(wall);
const cpuStats = stats(cpu);
console.log(
  `shell policy: ${COUNT} commands (${denied} denied) in ${total.toFixed(0)} ms; load average ${loadavg()[0].toFixed(2)} on this machine`,
);
console.log(line('wall', wallStats));
console.log(line('cpu ', cpuStats));
console.log(
  `  target p99 < ${TARGET_MS} ms: wall ${wallStats.p99 < TARGET_MS ? 'met' : 'MISSED'}, cpu ${cpuStats.p99 < TARGET_MS ? 'met' : 'MISSED'}`,
);
