/**
 * Runs an accepted test command the way the harness trusts: argv spawned directly (no shell), in its own
 * process group, with `CI=1` and no colours, a timeout, and an abort signal. When it ends, times out or is
 * aborted, the whole process tree is stopped (a dev server or browser a test left running included). The
 * output is captured (both streams, capped) and the runner's test counts are read from it.
 */

import { spawn } from 'node:child_process';
import { terminateTree } from '../engine/process-tree.js';
import { withoutCredentials } from '../guards/confinement.js';
import { browserTestEnv } from './browser.js';
import { type AcceptedTestCommand, checkTestCommand, type TestRunner } from './test-command.js';
import { parseTestCounts, stripAnsi, type TestCounts } from './test-output.js';

export interface TestRun {
  runner: TestRunner | undefined;
  /** null when it did not exit by itself (signal, timeout) or never started. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  /** Stopped because the caller's signal was aborted. */
  aborted: boolean;
  durationMs: number;
  /** Undefined when the output has no summary the harness can read. */
  counts: TestCounts | undefined;
  /** The end of the output, ANSI codes removed. Not redacted: the caller redacts before storing. */
  outputTail: string;
  /** Set when the command was refused or could not be started; nothing ran then. */
  error?: string;
}

export interface RunTestOptions {
  command: string;
  projectDir: string;
  timeoutMs: number;
  signal?: AbortSignal;
  /** The environment to start from; defaults to `process.env` without the model credentials. */
  env?: Record<string, string | undefined>;
  /** How much of the output's end to keep in `outputTail` (default 4000 characters). */
  tailChars?: number;
  /** SIGTERM → SIGKILL grace when stopping the tree (default 2000 ms). */
  killGraceMs?: number;
  /**
   * Puts a confinement in front of the argv, e.g. `['bwrap', …, '--', ...argv]`: the tests are agent-written
   * code and, without it, run with the harness's own rights. The result is spawned as it is.
   */
  wrapArgv?: (argv: readonly string[]) => string[];
  /** An already checked command (skips checking `command` again). */
  checked?: AcceptedTestCommand;
  /**
   * Where the runner writes artifacts (screenshots, traces). Applied to playwright as `--output <dir>`
   * (an option the agent itself may not pass); other runners write where their config says.
   */
  artifactsDir?: string;
}

const DEFAULT_TAIL_CHARS = 4000;
/** Output kept for parsing: the summary is at the end, so only the end is kept. */
const MAX_CAPTURE_CHARS = 512 * 1024;
/** How long to wait for the output pipes to close after the process tree is gone. */
const PIPE_CLOSE_MS = 1000;
/** The environment of a test run: `base` (default `process.env`) without any credential (test code is the agent's). */
export function testEnvironment(base: Record<string, string | undefined> | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(withoutCredentials(base ?? process.env))) {
    if (value === undefined) continue;
    env[name] = value;
  }
  // CI=1: no watch mode, no interactive prompts, `.only` refused by runners that support it.
  env.CI = '1';
  env.NO_COLOR = '1';
  env.FORCE_COLOR = '0';
  // Browser tests: the system Chromium (CHROMIUM_PATH, for the config's launchOptions), never a download.
  Object.assign(env, browserTestEnv(env));
  return env;
}

/** Runs the command; never throws for a failing, refused or unstartable command (see `error`). */
export async function runTestCommand(options: RunTestOptions): Promise<TestRun> {
  const started = Date.now();
  const checked = options.checked ?? checkTestCommand(options.command, options.projectDir);
  const base = {
    exitCode: null,
    signal: null,
    timedOut: false,
    aborted: false,
    counts: undefined,
    outputTail: '',
  };
  if (!checked.ok) return { ...base, runner: undefined, durationMs: 0, error: checked.reason };
  const runner = checked.runner;
  if (options.signal?.aborted) {
    return { ...base, runner, aborted: true, durationMs: 0, error: 'aborted before it started' };
  }
  const runArgv =
    runner === 'playwright' && options.artifactsDir !== undefined
      ? [...checked.argv, '--output', options.artifactsDir]
      : checked.argv;
  const argv = options.wrapArgv ? options.wrapArgv(runArgv) : runArgv;
  const [file, ...args] = argv as [string, ...string[]];
  let output = '';
  const append = (chunk: string) => {
    output += chunk;
    if (output.length > 2 * MAX_CAPTURE_CHARS) output = output.slice(-MAX_CAPTURE_CHARS);
  };
  const child = spawn(file, args, {
    cwd: options.projectDir,
    env: testEnvironment(options.env),
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.setEncoding('utf8').on('data', append);
  child.stderr.setEncoding('utf8').on('data', append);
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));

  let timedOut = false;
  let aborted = false;
  let stopping: Promise<void> | undefined;
  const stop = () => {
    if (child.pid !== undefined) stopping ??= terminateTree(child.pid, options.killGraceMs);
  };
  const timer = setTimeout(() => {
    timedOut = true;
    stop();
  }, options.timeoutMs);
  const onAbort = () => {
    aborted = true;
    stop();
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });

  const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>(
    (resolve) => {
      child.once('error', (error) => resolve({ code: null, signal: null, error }));
      child.once('exit', (code, signal) => resolve({ code, signal }));
    },
  );
  clearTimeout(timer);
  options.signal?.removeEventListener('abort', onAbort);
  // Whatever the run left behind in its group (a server, a browser) goes with it.
  stop();
  await stopping;
  await Promise.race([closed, delay(PIPE_CLOSE_MS)]);
  child.stdout.destroy();
  child.stderr.destroy();

  const text = stripAnsi(output);
  const run: TestRun = {
    runner,
    exitCode: exit.code,
    signal: exit.signal,
    timedOut,
    aborted,
    durationMs: Date.now() - started,
    counts: parseTestCounts(runner, text),
    outputTail: tail(text, options.tailChars ?? DEFAULT_TAIL_CHARS),
  };
  if (exit.error !== undefined) run.error = `could not start ${file}: ${exit.error.message}`;
  return run;
}

export type RunVerdict = { ok: true } | { ok: false; reason: string };

/** A run passes only if it exited 0 by itself, its counts are known, ≥ 1 passed, none failed or skipped. */
export function judgeRun(run: TestRun, timeoutMs?: number): RunVerdict {
  const what = run.runner ?? 'the test command';
  if (run.error !== undefined && run.exitCode === null && !run.timedOut) {
    return { ok: false, reason: run.error };
  }
  if (run.timedOut) {
    const limit = timeoutMs === undefined ? '' : ` after ${formatSeconds(timeoutMs)}`;
    return {
      ok: false,
      reason: `${what} timed out${limit}; the harness stopped it and every process it started. Make the tests finish in time (a server or watcher left running keeps it alive)`,
    };
  }
  if (run.aborted) return { ok: false, reason: `${what} was stopped because the session ended` };
  const counts = run.counts;
  if (run.exitCode !== 0) {
    const how =
      run.exitCode === null
        ? `was killed by ${run.signal ?? 'a signal'}`
        : `exited with code ${run.exitCode}`;
    return { ok: false, reason: `${what} ${how}${counts ? ` (${describeCounts(counts)})` : ''}` };
  }
  if (counts === undefined) {
    return {
      ok: false,
      reason: `the harness could not find ${what}'s test summary in the output; run it with its default reporter`,
    };
  }
  if (counts.failed > 0)
    return { ok: false, reason: `${counts.failed} test(s) failed (${describeCounts(counts)})` };
  if (counts.passed === 0) {
    return { ok: false, reason: `${what} ran zero tests: a proof must run at least one passing test` };
  }
  if (counts.skipped > 0) {
    return {
      ok: false,
      reason: `${counts.skipped} test(s) were skipped or left as todo (${describeCounts(counts)}): every test must run`,
    };
  }
  return { ok: true };
}

export function describeCounts(counts: TestCounts): string {
  return `${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped, ${counts.total} total`;
}

function tail(text: string, chars: number): string {
  const trimmed = text.replace(/\s+$/, '');
  if (trimmed.length <= chars) return trimmed;
  const cut = trimmed.slice(-chars);
  const newline = cut.indexOf('\n');
  return `…${newline === -1 || newline > chars / 4 ? cut : cut.slice(newline + 1)}`;
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
