#!/usr/bin/env node
// `claude-harness status` on a big project: builds one in a temp folder (1,000 features, 3,000 sessions,
// a 100 MB events.jsonl with a session still running), then times the whole command, process start
// included: median and p90 of N runs, for the human output and for --json. Target: under 300 ms.
// Runs `node dist/cli/main.js status` when the CLI has the command, else the built module directly.
// Run `npm run build` first. Usage: node bench/status.mjs [--runs 15] [--features 1000] [--sessions 3000]
//   [--events-mb 100] [--keep]
import { spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const TARGET_MS = 300;
const root = fileURLToPath(new URL('..', import.meta.url));
const cli = join(root, 'dist/cli/main.js');
const statusModule = join(root, 'dist/report/status.js');
if (!existsSync(statusModule)) {
  console.error('dist/report/status.js is missing: run `npm run build` first.');
  process.exit(2);
}

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
};
const runs = arg('runs', 15);
const featureCount = arg('features', 1000);
const sessionCount = arg('sessions', 3000);
const eventsMb = arg('events-mb', 100);
const keep = process.argv.includes('--keep');

const dir = mkdtempSync(join(tmpdir(), 'bench-status-'));
try {
  const built = await buildProject(dir);
  console.log(
    `project: ${featureCount} features, ${sessionCount} sessions, events.jsonl ${(built.eventBytes / 1e6).toFixed(0)} MB (${dir})`,
  );
  const viaCli = cliHasStatus(dir);
  const command = viaCli
    ? (json) => [cli, 'status', '--project-dir', dir, ...(json ? ['--json'] : [])]
    : (json) => [
        '--input-type=module',
        '-e',
        `import { runStatusCommand } from ${JSON.stringify(statusModule)};
         const io = { out: process.stdout, err: process.stderr, env: process.env, cwd: process.cwd(), signal: new AbortController().signal };
         process.exitCode = await runStatusCommand({ projectDir: ${JSON.stringify(dir)}, json: ${json} }, io);`,
      ];
  console.log(
    viaCli
      ? 'running: claude-harness status'
      : 'running: dist/report/status.js (the CLI has no status command yet)',
  );
  let over = false;
  for (const json of [false, true]) {
    const times = [];
    for (let i = 0; i < runs + 1; i++) {
      const start = process.hrtime.bigint();
      const result = spawnSync(process.execPath, command(json), {
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      });
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (result.status !== 0) {
        console.error(`status exited with ${result.status}:\n${result.stderr}`);
        process.exit(1);
      }
      if (i === 0 && json) {
        const status = JSON.parse(result.stdout);
        if (status.features.total !== featureCount || status.sessions.total !== sessionCount + 1) {
          console.error('status --json did not see the whole project');
          process.exit(1);
        }
      }
      if (i > 0) times.push(ms); // the first run warms the file cache
    }
    times.sort((a, b) => a - b);
    const at = (q) => times[Math.min(times.length - 1, Math.floor(q * times.length))];
    const median = times.length % 2 ? at(0.5) : (times[times.length / 2 - 1] + times[times.length / 2]) / 2;
    over ||= median > TARGET_MS;
    console.log(
      `status${json ? ' --json' : ''}: median ${median.toFixed(1)} ms, p90 ${at(0.9).toFixed(1)} ms, min ${times[0].toFixed(1)} ms over ${runs} runs (target < ${TARGET_MS} ms)`,
    );
  }
  const bare = spawnSync(process.execPath, ['-e', ''], { encoding: 'utf8' });
  if (bare.status === 0) {
    const start = process.hrtime.bigint();
    spawnSync(process.execPath, ['-e', '']);
    console.log(
      `(node itself starts in ${(Number(process.hrtime.bigint() - start) / 1e6).toFixed(1)} ms here)`,
    );
  }
  process.exitCode = over ? 1 : 0;
} finally {
  if (keep) console.log(`kept ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}

function cliHasStatus(projectDir) {
  if (!existsSync(cli)) return false;
  const result = spawnSync(process.execPath, [cli, 'status', '--project-dir', projectDir, '--json'], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  try {
    return result.status === 0 && JSON.parse(result.stdout).statusVersion === 1;
  } catch {
    return false;
  }
}

/** state.json, features.json, feature_list.json, events.jsonl and run.lock, as a long run leaves them. */
async function buildProject(projectDir) {
  const harness = join(projectDir, '.claude-harness');
  mkdirSync(harness, { recursive: true });
  const id = (n) => `F${String(n).padStart(3, '0')}`;
  const t0 = Date.parse('2026-01-01T00:00:00Z');
  const at = (minutes) => new Date(t0 + minutes * 60_000).toISOString();
  const features = Array.from({ length: featureCount }, (_, i) => ({
    id: id(i + 1),
    category: i % 5 === 0 ? 'style' : 'functional',
    description: `Feature ${i + 1}: the user can do thing number ${i + 1} and sees the expected result on the page`,
    steps: [
      'Open the app',
      `Go to page ${i + 1}`,
      'Click the button',
      'See the result',
      'Reload and see it kept',
    ],
    passes: i < featureCount * 0.6,
  }));
  writeFileSync(join(harness, 'features.json'), `${JSON.stringify(features, null, 2)}\n`);
  writeFileSync(join(projectDir, 'feature_list.json'), `${JSON.stringify(features, null, 2)}\n`);

  const sessions = [];
  const records = {};
  for (let n = 1; n <= sessionCount; n++) {
    const feature = features[(n - 1) % featureCount];
    const outcome = n % 4 === 0 ? 'failed' : n % 17 === 0 ? 'timeout' : 'passed';
    sessions.push({
      number: n,
      kind: n === 1 ? 'initializer' : 'coding',
      ...(n === 1 ? {} : { featureId: feature.id }),
      attempt: 1,
      startedAt: at(n * 10),
      endedAt: at(n * 10 + 8),
      outcome,
      ...(outcome === 'passed' ? {} : { reason: 'the session ended without the feature passing' }),
      sdkSessionId: `sdk-${n}`,
      costUsd: 0.05 + (n % 7) * 0.03,
      tokens: { input: 4000 + n, output: 9000 + n },
      turns: 30,
      harnessPid: 4200,
    });
    if (n > 1 && !feature.passes) {
      records[feature.id] ??= { attempts: [] };
      records[feature.id].attempts.push({ session: n, outcome, at: at(n * 10 + 8) });
    }
  }
  for (const [fid, record] of Object.entries(records)) {
    if (Number(fid.slice(1)) % 9 === 0)
      record.skipped = { reason: '3 failed attempts: tests fail', at: at(0) };
  }
  const running = sessionCount + 1;
  sessions.push({
    number: running,
    kind: 'coding',
    featureId: features[featureCount - 1].id,
    attempt: 1,
    startedAt: at(running * 10),
    outcome: 'running',
    costUsd: 0,
    tokens: { input: 0, output: 0 },
    turns: 0,
    harnessPid: process.pid,
  });
  const totals = sessions.reduce(
    (t, s) => ({
      sessions: t.sessions + 1,
      costUsd: t.costUsd + s.costUsd,
      inputTokens: t.inputTokens + s.tokens.input,
      outputTokens: t.outputTokens + s.tokens.output,
    }),
    { sessions: 0, costUsd: 0, inputTokens: 0, outputTokens: 0 },
  );
  const state = {
    version: 1,
    run: {
      startedAt: at(0),
      lastStartedAt: at(0),
      starts: 3,
      mode: 'greenfield',
      model: 'sonnet',
      specPath: null,
    },
    sessions,
    features: records,
    consecutiveFailedSessions: 0,
    lastFeatureNumber: featureCount,
    totals,
  };
  writeFileSync(join(harness, 'state.json'), `${JSON.stringify(state, null, 2)}\n`);
  // A live holder (this process), so status reports a running harness and its current session.
  writeFileSync(
    join(harness, 'run.lock'),
    JSON.stringify({ pid: process.pid, startedAt: at(0), hostname: hostname() }),
  );

  const out = createWriteStream(join(harness, 'events.jsonl'));
  const target = eventsMb * 1e6;
  let bytes = 0;
  const write = (record) => {
    const line = `${JSON.stringify({ v: 1, ...record })}\n`;
    bytes += Buffer.byteLength(line);
    return out.write(line) ? undefined : new Promise((resolve) => out.once('drain', resolve));
  };
  const content = 'export function handler(request) {\n  return request;\n}\n'.repeat(20);
  for (let n = 1; bytes < target; n++) {
    const session = Math.min(n, sessionCount);
    await write({
      at: at(n * 10),
      type: 'session_start',
      session,
      kind: 'coding',
      featureId: id(((n - 1) % featureCount) + 1),
    });
    for (let k = 0; k < 40; k++) {
      await write({
        at: at(n * 10 + 1),
        type: 'tool_call',
        session,
        id: `t${n}-${k}`,
        tool: k % 2 ? 'Write' : 'Bash',
        input: k % 2 ? { file_path: `src/f${k}.ts`, content } : { command: 'npm test' },
      });
      await write({
        at: at(n * 10 + 1),
        type: 'tool_result',
        session,
        id: `t${n}-${k}`,
        isError: false,
        size: 120,
      });
    }
    await write({
      at: at(n * 10 + 8),
      type: 'session_end',
      session,
      kind: 'coding',
      outcome: 'passed',
      costUsd: 0.1,
      toolCalls: 40,
      denials: 0,
    });
  }
  await write({
    at: at(running * 10),
    type: 'session_start',
    session: running,
    kind: 'coding',
    featureId: features[featureCount - 1].id,
  });
  for (let k = 0; k < 12; k++) {
    await write({
      at: at(running * 10 + 1),
      type: 'tool_call',
      session: running,
      id: `r${k}`,
      tool: 'Bash',
      input: { command: 'npm test' },
    });
  }
  await new Promise((resolve) => out.end(resolve));
  return { eventBytes: bytes };
}
