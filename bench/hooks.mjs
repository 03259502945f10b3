#!/usr/bin/env node
// Harness overhead per tool call: the PreToolUse hook (guardHook) with the loop guard and, when they are
// built, the shell policy, file-tool and secrets guards, called directly N times with a realistic mix of
// tool inputs. Prints p50/p99/max per call for each guard alone and for all together.
// Target: all hooks together under 2 ms at p99.
// Usage: node bench/hooks.mjs [calls=10000] [--no-build] [--without=secrets,…]
// (builds with `npm run build` first by default; --without leaves the named optional guards out)
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const TARGET_P99_MS = 2;
const WARMUP_CALLS = 500;
const root = fileURLToPath(new URL('..', import.meta.url));
const dist = (path) => join(root, 'dist', path);

const args = process.argv.slice(2);
const calls = Number(args.find((arg) => /^\d+$/.test(arg)) ?? 10_000);
const without = new Set(
  args.filter((arg) => arg.startsWith('--without=')).flatMap((arg) => arg.slice(10).split(',')),
);

if (!args.includes('--no-build')) {
  const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) console.log('note: `npm run build` failed; using what is already in dist/.');
}
for (const required of ['guards/pre-tool-use.js', 'session/loop-detector.js']) {
  if (!existsSync(dist(required))) {
    console.error(`dist/${required} is missing: run \`npm run build\` first.`);
    process.exit(2);
  }
}

const { guardHook } = await import(pathToFileURL(dist('guards/pre-tool-use.js')).href);
const { LoopDetector, loopGuard } = await import(pathToFileURL(dist('session/loop-detector.js')).href);

const isGuard = (value) => typeof value === 'object' && value !== null && typeof value.check === 'function';
const importDist = (path) => import(pathToFileURL(dist(path)).href);

/**
 * Finds a guard in a built module: `make(module)` when given, else an exported Guard object or a `…Guard()`
 * factory that needs no arguments.
 */
async function loadGuard(label, path, make) {
  if (!existsSync(dist(path))) {
    console.log(`note: dist/${path} is not built; skipping the ${label} guard.`);
    return undefined;
  }
  try {
    const module = await importDist(path);
    if (make) {
      const made = await make(module);
      if (isGuard(made)) return made;
    }
    for (const value of Object.values(module)) if (isGuard(value)) return value;
    for (const [name, value] of Object.entries(module)) {
      if (typeof value !== 'function' || !/Guard$/.test(name) || value.length > 1) continue;
      const made = await value();
      if (isGuard(made)) return made;
    }
    console.log(`note: dist/${path} exports no guard this bench knows how to make; skipping ${label}.`);
  } catch (error) {
    console.log(
      `note: could not load the ${label} guard (${error instanceof Error ? error.message : error}).`,
    );
  }
  return undefined;
}

/** The shell guard needs a policy and the pids it must protect: the default policy and this process. */
async function makeShellGuard(module) {
  const { DEFAULT_POLICY } = await importDist('guards/shell/default-policy.js');
  return module.shellGuard(DEFAULT_POLICY, [process.pid]);
}

// A small project to run against: guards that resolve paths or read files see real ones.
const projectDir = await realpath(await mkdtemp(join(tmpdir(), 'ch-bench-hooks-')));
const context = { projectDir, stateDir: join(projectDir, '.claude-harness') };
await mkdir(join(projectDir, 'src', 'components'), { recursive: true });
await mkdir(context.stateDir, { recursive: true });
const files = Array.from({ length: 40 }, (_, i) => `src/${i % 3 === 0 ? 'components/' : ''}module${i}.ts`);
const body = (i) =>
  Array.from(
    { length: 60 },
    (_, line) => `export const value${i}_${line} = computeSomething(${line}, 'text');`,
  ).join('\n');
for (const [i, file] of files.entries()) await writeFile(join(projectDir, file), body(i));

const commands = [
  'npm test',
  'ls -la src',
  'git status',
  'git diff --stat',
  'cat package.json',
  'npm run build 2>&1 | tail -20',
  'node scripts/seed.js',
  'git add -A && git commit -m "feat: add the login form"',
  'grep -rn "TODO" src | head',
  'npx vitest run test/app.test.ts',
  'curl -s http://localhost:3000/api/health',
  'find src -name "*.ts" | wc -l',
  'rm -rf dist && npm run build',
  'cd src && ls components',
];

/** A deterministic pseudo-random sequence, so runs compare. */
let seed = 42;
const random = () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
  return seed / 2 ** 31;
};
const pick = (list) => list[Math.floor(random() * list.length)];

/** The mix: about a third reads, then edits, shell, search and writes. */
function makeCall(i) {
  const file = pick(files);
  const roll = random();
  if (roll < 0.32) return ['Read', { file_path: join(projectDir, file) }];
  if (roll < 0.47)
    return [
      'Edit',
      { file_path: join(projectDir, file), old_string: `value${i % 40}_1 `, new_string: `v${i}_1 ` },
    ];
  if (roll < 0.67) return ['Bash', { command: pick(commands), description: 'step' }];
  if (roll < 0.77) return ['Grep', { pattern: `value${i % 97}`, path: 'src', output_mode: 'content' }];
  if (roll < 0.87) return ['Glob', { pattern: `src/**/*${i % 13}.ts` }];
  return ['Write', { file_path: join(projectDir, `src/new${i % 50}.ts`), content: body(i) }];
}
const inputs = Array.from({ length: calls + WARMUP_CALLS }, (_, i) => makeCall(i));

async function measure(label, optional) {
  let detector = new LoopDetector();
  let aborts = 0;
  // After an abort the next call gets a fresh detector, as a fresh session would; the guard reaches the
  // current one through this forwarder.
  const current = { check: (call) => detector.check(call), recordCall: (call) => detector.recordCall(call) };
  const loop = loopGuard(current, () => {
    aborts += 1;
    detector = new LoopDetector();
  });
  const guards = [...optional, loop];
  const hook = guardHook(guards, context).hooks[0];
  const signal = new AbortController().signal;
  const times = [];
  const byTool = new Map();
  let denied = 0;
  for (const [i, [toolName, toolInput]] of inputs.entries()) {
    const id = `toolu_${i}`;
    const input = {
      hook_event_name: 'PreToolUse',
      session_id: 'bench',
      transcript_path: join(projectDir, 'transcript.jsonl'),
      cwd: projectDir,
      tool_name: toolName,
      tool_input: toolInput,
      tool_use_id: id,
    };
    const start = process.hrtime.bigint();
    const output = await hook(input, id, { signal });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (output?.hookSpecificOutput?.permissionDecision === 'deny') denied += 1;
    // The event stream's side, outside the timing: results reach the detector as the lead wires it.
    detector.recordResult({ id, isError: toolName === 'Bash' && i % 5 === 0, content: 'exit 1' });
    if (i < WARMUP_CALLS) continue;
    times.push(ms);
    if (!byTool.has(toolName)) byTool.set(toolName, []);
    byTool.get(toolName).push(ms);
  }
  const tools = [...byTool].map(([tool, list]) => `${tool} ${quantiles(list).p99.toFixed(3)}`).join(', ');
  return { label, ...quantiles(times), denied, aborts, tools };
}

function quantiles(list) {
  const sorted = [...list].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { p50: at(0.5), p99: at(0.99), max: sorted.at(-1) };
}

const optional = [];
for (const [label, path, make] of [
  ['shell-policy', 'guards/shell/guard.js', makeShellGuard],
  ['file-tools', 'guards/file-tools.js'],
  ['secrets', 'guards/secrets/guard.js'],
]) {
  if (without.has(label)) {
    console.log(`note: leaving the ${label} guard out (--without).`);
    continue;
  }
  const guard = await loadGuard(label, path, make);
  if (guard) optional.push([label, guard]);
}

const labels = ['loop-detector', ...optional.map(([label]) => `${label} + loop-detector`)];
if (optional.length > 1) labels.push(`all (${optional.map(([label]) => label).join(', ')}, loop)`);
const width = Math.max(...labels.map((label) => label.length));
console.log(`\nPreToolUse hook, ${calls} calls (after ${WARMUP_CALLS} warm-up), ms per call:`);
/** Prints a row as soon as it is measured, so a slow guard shows which one it is. */
function print(row) {
  console.log(
    `  ${row.label.padEnd(width)}  p50 ${row.p50.toFixed(3)}  p99 ${row.p99.toFixed(3)}  max ${row.max.toFixed(3)}` +
      `  (denied ${row.denied}, loop aborts ${row.aborts})`,
  );
  console.log(`  ${' '.repeat(width)}  p99 by tool: ${row.tools}`);
  return row;
}

let all = print(await measure('loop-detector', []));
for (const [label, guard] of optional) all = print(await measure(`${label} + loop-detector`, [guard]));
if (optional.length > 1)
  all = print(
    await measure(
      labels.at(-1),
      optional.map(([, guard]) => guard),
    ),
  );
console.log(
  `All hooks together: p99 ${all.p99.toFixed(3)} ms (target < ${TARGET_P99_MS} ms): ${all.p99 < TARGET_P99_MS ? 'ok' : 'OVER TARGET'}`,
);
await rm(projectDir, { recursive: true, force: true });
