import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { listProcesses } from '../../src/engine/process-tree.js';
import type { FakeAnthropicServer } from '../../src/testing/fake-anthropic/index.js';
import { fakeModelEnv } from './engine-env.js';

/** The built CLI (test/global-setup.ts builds dist/ when it is stale). */
export const CLI_MAIN = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

export interface CliRun {
  child: ChildProcess;
  /** Resolves when the process has exited. */
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
  /** Output so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves once stdout contains `text`. */
  waitForOutput(text: string): Promise<void>;
}

export function startCli(
  args: string[],
  options: { cwd?: string | undefined; env?: NodeJS.ProcessEnv } = {},
): CliRun {
  const child = spawn(process.execPath, [CLI_MAIN, ...args], {
    cwd: options.cwd,
    env: options.env ?? { PATH: process.env.PATH },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const waiters: { text: string; resolve: () => void }[] = [];
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    for (const waiter of waiters.filter((w) => stdout.includes(w.text))) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const done = new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
  }>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return {
    child,
    done,
    stdout: () => stdout,
    stderr: () => stderr,
    waitForOutput: (text) =>
      stdout.includes(text)
        ? Promise.resolve()
        : new Promise<void>((resolve, reject) => {
            waiters.push({ text, resolve });
            void done.then(() =>
              reject(
                new Error(
                  `the process exited before printing ${JSON.stringify(text)}:\n${stdout}\n${stderr}`,
                ),
              ),
            );
          }),
  };
}

/** A harness run on a project against the fake model: what `startHarness` and `harnessArgs` take. */
export interface HarnessRun {
  projectDir: string;
  /** Left out for a run that takes no spec (`--mode validation`). */
  spec?: string;
  /** The fake model's URL and the Claude config dir the CLI gets (see fakeModelEnv). */
  serverUrl: string;
  configDir: string;
  /** More flags, after the common ones. */
  args?: string[];
  /** More environment, on top of PATH and fakeModelEnv. */
  env?: Record<string, string>;
  cwd?: string;
  /**
   * Only `--project-dir` and `--spec`, as a user types them: the sandbox on and the default pause between
   * sessions. Otherwise the run also gets `--no-sandbox --auto-continue-delay 0`.
   */
  bare?: boolean;
}

/** The argv of a harness run: `--project-dir`, `--spec`, (unless `bare`) no sandbox and no pause, then `args`. */
export function harnessArgs({ projectDir, spec, args = [], bare = false }: HarnessRun): string[] {
  return [
    '--project-dir',
    projectDir,
    ...(spec === undefined ? [] : ['--spec', spec]),
    ...(bare ? [] : ['--no-sandbox', '--auto-continue-delay', '0']),
    ...args,
  ];
}

/** The environment of a harness run: PATH, fakeModelEnv (its own HOME and config dir), then `env`. */
export function harnessEnv({ serverUrl, configDir, env }: HarnessRun): Record<string, string | undefined> {
  return { PATH: process.env.PATH, ...fakeModelEnv(serverUrl, configDir), ...env };
}

/** Starts the built CLI's run command on a project against the fake model (see HarnessRun). */
export function startHarness(run: HarnessRun): CliRun {
  return startCli(harnessArgs(run), { cwd: run.cwd, env: harnessEnv(run) });
}

/**
 * Runs the harness to its end as a user types it — the sandbox on — with no pause between sessions and
 * `--max-iterations iterations`, against `server`, whose scenario must have played whole. `onStart` sees the
 * process while it runs.
 */
export async function runSandboxed(
  server: FakeAnthropicServer,
  run: Omit<HarnessRun, 'serverUrl' | 'bare'> & { iterations?: number; onStart?: (cli: CliRun) => void },
): Promise<Awaited<CliRun['done']>> {
  const { iterations, onStart, args = [], ...rest } = run;
  const cli = startHarness({
    ...rest,
    serverUrl: server.url,
    bare: true,
    args: [
      ...(iterations === undefined ? [] : ['--max-iterations', String(iterations)]),
      '--auto-continue-delay',
      '0',
      ...args,
    ],
  });
  onStart?.(cli);
  const result = await cli.done;
  expect(server.failures, result.stdout + result.stderr).toEqual([]);
  server.assertComplete();
  return result;
}

/** Live processes whose command line contains `marker`. */
export function pgrep(marker: string): string[] {
  try {
    return execFileSync('pgrep', ['-f', marker], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

/** Polls a condition no event reports (a process appearing); fails after `timeoutMs`. */
export async function waitFor(condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Live (not zombie) processes whose command line contains `marker`, read from /proc. */
export function processesWithArg(marker: string): number[] {
  return listProcesses()
    .filter((p) => p.state !== 'Z')
    .filter((p) => {
      try {
        return readFileSync(`/proc/${p.pid}/cmdline`, 'utf8').includes(marker);
      } catch {
        return false;
      }
    })
    .map((p) => p.pid);
}
