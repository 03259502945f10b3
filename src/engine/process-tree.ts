import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import type { SpawnedProcess, SpawnOptions } from '@anthropic-ai/claude-agent-sdk';

/**
 * The Claude Code CLI runs in its own process group so that everything it starts (Bash tool commands,
 * sandbox helpers, MCP servers) can be stopped with one signal. Children that start a new session of
 * their own (bubblewrap does) leave the group, so we also walk /proc for descendants before killing.
 * Measured on these machines: a process-group kill was the only method that left no process behind.
 */

const KILL_GRACE_MS = 2_000;
const POLL_MS = 25;

export interface TrackedProcess {
  /** The CLI's pid, once spawned. */
  readonly pid: number | undefined;
  /** Resolves when the CLI process has exited. */
  readonly exited: Promise<void>;
  /** SIGTERM the whole tree, SIGKILL whatever is left after a grace period; resolves when all are gone. */
  terminate(): Promise<void>;
}

export interface ClaudeProcessSpawner {
  spawn: (options: SpawnOptions) => SpawnedProcess;
  /** The processes spawned so far (one per query). */
  readonly processes: readonly TrackedProcess[];
  /** Terminates every spawned process tree. */
  terminateAll(): Promise<void>;
}

/** CLI process groups still alive in this process, for the exit handler. */
const liveGroups = new Set<number>();
let exitHandlerInstalled = false;

/**
 * A harness that exits at once (second Ctrl+C, an uncaught error) must not leave its agent running: the CLI
 * would otherwise be re-parented to PID 1 and go on editing the project. `exit` handlers must be
 * synchronous, so this sends SIGKILL to each group and to the descendants found in /proc.
 */
function installExitHandler(): void {
  if (exitHandlerInstalled) return;
  exitHandlerInstalled = true;
  process.on('exit', () => {
    for (const group of liveGroups) {
      const targets = [group, ...listDescendants(group)];
      try {
        process.kill(-group, 'SIGKILL');
      } catch {
        // Already gone.
      }
      for (const pid of targets) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
    }
  });
}

export function createClaudeProcessSpawner(onStderr?: (chunk: string) => void): ClaudeProcessSpawner {
  const processes: TrackedProcess[] = [];
  return {
    processes,
    spawn(options: SpawnOptions): SpawnedProcess {
      const child = spawn(options.command, options.args, {
        cwd: options.cwd,
        env: options.env as NodeJS.ProcessEnv,
        detached: true,
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      child.stderr?.setEncoding('utf8');
      child.stderr?.on('data', (chunk: string) => onStderr?.(chunk));
      const exited = new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) resolve();
        child.once('exit', () => resolve());
        child.once('error', () => resolve());
      });
      const pid = child.pid;
      if (pid !== undefined) {
        installExitHandler();
        liveGroups.add(pid);
        void exited.then(() => {
          // The group may outlive its leader; it is dropped once terminate() has made sure it is gone.
          if (!groupAlive(pid)) liveGroups.delete(pid);
        });
      }
      const tracked: TrackedProcess = {
        pid,
        exited,
        terminate: async () => {
          if (pid === undefined) return;
          await terminateTree(pid);
          liveGroups.delete(pid);
        },
      };
      processes.push(tracked);
      // The SDK aborts this forwarded signal after its own graceful-close window.
      options.signal.addEventListener('abort', () => void tracked.terminate(), { once: true });
      return child;
    },
    async terminateAll() {
      await Promise.all(processes.map((p) => p.terminate()));
    },
  };
}

/** Kills `rootPid`, its process group and all its descendants. Resolves once none is alive. */
export async function terminateTree(rootPid: number, graceMs = KILL_GRACE_MS): Promise<void> {
  const targets = new Set<number>([rootPid, ...listDescendants(rootPid)]);
  signalAll(rootPid, targets, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    // Descendants can appear while the tree shuts down; keep collecting them.
    for (const pid of listDescendants(rootPid)) targets.add(pid);
    if (![...targets].some(isAlive) && !groupAlive(rootPid)) return;
    await delay(POLL_MS);
  }
  for (const pid of listDescendants(rootPid)) targets.add(pid);
  signalAll(rootPid, targets, 'SIGKILL');
  const hardDeadline = Date.now() + graceMs;
  while (Date.now() < hardDeadline) {
    if (![...targets].some(isAlive) && !groupAlive(rootPid)) return;
    await delay(POLL_MS);
  }
}

function signalAll(groupId: number, pids: Set<number>, signal: NodeJS.Signals): void {
  try {
    process.kill(-groupId, signal);
  } catch {
    // The group is already gone.
  }
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie still answers signal 0 but has stopped running.
  return readStat(pid)?.state !== 'Z';
}

function groupAlive(groupId: number): boolean {
  try {
    process.kill(-groupId, 0);
  } catch {
    return false;
  }
  // Only zombies left in the group count as gone.
  return listProcesses().some((p) => p.pgid === groupId && p.state !== 'Z');
}

interface ProcStat {
  pid: number;
  ppid: number;
  pgid: number;
  state: string;
}

function readStat(pid: number): ProcStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may contain spaces; fields after it are plain.
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const [state, ppid, pgid] = rest;
    if (state === undefined || ppid === undefined || pgid === undefined) return undefined;
    return { pid, state, ppid: Number(ppid), pgid: Number(pgid) };
  } catch {
    return undefined;
  }
}

/** Every process on the machine (Linux /proc); empty where /proc is not available. */
export function listProcesses(): ProcStat[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const result: ProcStat[] = [];
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readStat(Number(name));
    if (stat) result.push(stat);
  }
  return result;
}

export function listDescendants(rootPid: number): number[] {
  const children = new Map<number, number[]>();
  for (const p of listProcesses()) {
    const list = children.get(p.ppid) ?? [];
    list.push(p.pid);
    children.set(p.ppid, list);
  }
  const out: number[] = [];
  const stack = [...(children.get(rootPid) ?? [])];
  while (stack.length > 0) {
    const pid = stack.pop() as number;
    out.push(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return out;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
