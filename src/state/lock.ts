/**
 * `.claude-harness/run.lock`: one harness per project. It names the harness process and, while a session
 * runs, its Claude Code CLI. The CLI outlives a harness killed with `kill -9` (it is re-parented and keeps
 * editing), so a rerun reads the stale lock to find that leftover agent and stop it before starting anew.
 */
import { realpathSync, unlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { z } from 'zod';
import { isAlive } from '../engine/process-tree.js';
import { RunLockHeldError } from './errors.js';
import { withFileLock } from './file-lock.js';
import { ensureHarnessDir, runLockPath } from './paths.js';
import { isClaudeCliCommand, isHarnessCommand, readCmdline, readCwd, readStartTicks } from './proc.js';
import { readProjectFile, writeProjectFileAtomic } from './safe-fs.js';

const runLockSchema = z.object({
  pid: z.int().positive(),
  startedAt: z.string(),
  hostname: z.string(),
  /** Start time of `pid` in clock ticks (see proc.ts), to recognise pid reuse. */
  pidStart: z.string().optional(),
  cliPid: z.int().positive().optional(),
  cliPidStart: z.string().optional(),
});
export type RunLockInfo = z.infer<typeof runLockSchema>;

export interface RunLock {
  readonly path: string;
  /** What the lock file says now. */
  readonly info: RunLockInfo;
  /** The stale lock that was taken over, if there was one: give it to `findLeftoverAgent`. */
  readonly previous: RunLockInfo | undefined;
  /** Records (or, with `undefined`, clears) the running session's CLI. Synchronous: call it at spawn. */
  recordCliPid(pid: number | undefined): void;
  /** Deletes the lock if it is still ours. Also done on process exit. */
  release(): Promise<void>;
}

export interface RunLockOptions {
  /** Recognises a running claude-harness by its command line. */
  isHarness?: (argv: readonly string[]) => boolean;
  now?: () => Date;
}

/**
 * Takes the project's run lock. Throws RunLockHeldError when a live claude-harness holds it (or one on
 * another machine might); takes over a lock whose holder is gone.
 */
export async function acquireRunLock(projectDir: string, options: RunLockOptions = {}): Promise<RunLock> {
  const path = runLockPath(projectDir);
  await ensureHarnessDir(projectDir);
  // Two harnesses starting together: the check and the write happen under a short-lived file lock.
  const { info: taken, previous } = await withFileLock(path, async () => {
    const previous = await readRunLock(projectDir);
    if (previous !== undefined) assertNotHeld(previous, projectDir, options.isHarness ?? isHarnessCommand);
    const info: RunLockInfo = {
      pid: process.pid,
      startedAt: (options.now?.() ?? new Date()).toISOString(),
      hostname: hostname(),
    };
    const pidStart = readStartTicks(process.pid);
    if (pidStart !== undefined) info.pidStart = pidStart;
    writeProjectFileAtomic(projectDir, path, serialize(info));
    return { info, previous };
  });
  let info = taken;

  const mine = taken;
  const releaseSync = () => {
    try {
      const current = parseRunLock(readFileSyncSafe(projectDir, path));
      if (current?.pid === mine.pid && current.startedAt === mine.startedAt) unlinkSync(path);
    } catch {
      // Already gone.
    }
  };
  process.on('exit', releaseSync);
  return {
    path,
    get info() {
      return info;
    },
    previous,
    recordCliPid(pid) {
      const next: RunLockInfo = { pid: info.pid, startedAt: info.startedAt, hostname: info.hostname };
      if (info.pidStart !== undefined) next.pidStart = info.pidStart;
      if (pid !== undefined) {
        next.cliPid = pid;
        const start = readStartTicks(pid);
        if (start !== undefined) next.cliPidStart = start;
      }
      writeProjectFileAtomic(projectDir, path, serialize(next));
      info = next;
    },
    async release() {
      process.off('exit', releaseSync);
      releaseSync();
    },
  };
}

/** The lock file's content, or `undefined` when there is none or it cannot be read. */
export async function readRunLock(projectDir: string): Promise<RunLockInfo | undefined> {
  return parseRunLock(readProjectFile(projectDir, runLockPath(projectDir)));
}

export interface LeftoverAgentOptions {
  /** Recognises the Claude Code CLI by its command line. */
  isClaudeCli?: (argv: readonly string[]) => boolean;
}

/**
 * The pid of a Claude Code CLI that a dead harness left running in this project, or `undefined`. It must
 * be alive, be the process the lock recorded (same start time, when recorded), look like the Claude CLI and
 * work in `projectDir`: a pid reused by any other process is never returned. Stop it with `terminateTree`.
 */
export function findLeftoverAgent(
  previous: RunLockInfo,
  projectDir: string,
  options: LeftoverAgentOptions = {},
): number | undefined {
  const pid = previous.cliPid;
  if (pid === undefined || previous.hostname !== hostname() || pid === process.pid || !isAlive(pid)) {
    return undefined;
  }
  if (previous.cliPidStart !== undefined && readStartTicks(pid) !== previous.cliPidStart) return undefined;
  const argv = readCmdline(pid);
  if (argv === undefined || !(options.isClaudeCli ?? isClaudeCliCommand)(argv)) return undefined;
  const cwd = readCwd(pid);
  if (cwd === undefined || realpathOrSelf(cwd) !== realpathOrSelf(projectDir)) return undefined;
  return pid;
}

function assertNotHeld(
  lock: RunLockInfo,
  projectDir: string,
  isHarness: (argv: readonly string[]) => boolean,
): void {
  const held = (detail: string) =>
    new RunLockHeldError(
      `another claude-harness is running on ${projectDir} (pid ${lock.pid} on ${lock.hostname}, started ${lock.startedAt}). ${detail}`,
      lock.pid,
    );
  if (lock.hostname !== hostname()) {
    throw held(
      `This machine cannot check whether it is still running; if it is not, delete ${runLockPath(projectDir)} and rerun.`,
    );
  }
  if (lock.pid === process.pid) throw held('This process already holds the lock.');
  if (!isAlive(lock.pid)) return;
  const stillRunning = held(`Wait for it to finish or stop it (kill ${lock.pid}), then rerun to resume.`);
  // The recorded start time settles pid reuse; without one, the command line decides.
  const start = readStartTicks(lock.pid);
  if (lock.pidStart !== undefined && start !== undefined) {
    if (start === lock.pidStart) throw stillRunning;
    return;
  }
  const argv = readCmdline(lock.pid);
  // Without /proc nothing tells a reused pid apart: refuse rather than risk two harnesses.
  if (argv === undefined || isHarness(argv)) throw stillRunning;
}

function parseRunLock(text: string | undefined): RunLockInfo | undefined {
  if (text === undefined) return undefined;
  try {
    const parsed = runLockSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    // A torn or hand-edited lock says nothing reliable: treat it as stale.
    return undefined;
  }
}

function readFileSyncSafe(projectDir: string, path: string): string | undefined {
  try {
    return readProjectFile(projectDir, path);
  } catch {
    return undefined;
  }
}

function serialize(info: RunLockInfo): string {
  return `${JSON.stringify(info, null, 2)}\n`;
}

function realpathOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}
