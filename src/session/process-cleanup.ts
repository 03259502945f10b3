/**
 * Browsers and dev servers an agent starts during a session are stopped when the session ends. Only those:
 * a process counts as the session's when it started after the snapshot taken before the session and either
 * runs in the project (its cwd is inside the project folder) or is a Chromium whose profile
 * (`--user-data-dir`) is inside the project. The harness and its ancestors are never touched, and neither is
 * anything that was running before the session (a browser the user runs) or that runs elsewhere.
 * Listeners such a process had on TCP ports are reported, and freed with it.
 *
 * Linux only (/proc); elsewhere the snapshot is empty and nothing is stopped.
 */
import { readdirSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { basename, isAbsolute, resolve } from 'node:path';
import { isAlive, terminateTree } from '../engine/process-tree.js';
import { isInside } from '../guards/paths.js';

/** pid → start time (clock ticks since boot), so a reused pid is not mistaken for an old process. */
export type ProcessSnapshot = ReadonlyMap<number, number>;

export interface StoppedProcess {
  pid: number;
  /** The command line, shortened. */
  command: string;
  cwd: string | undefined;
  why: 'cwd in project' | 'browser profile in project';
  /** TCP ports it (or a process it started) was listening on. */
  ports: number[];
}

export interface CleanupOptions {
  projectDir: string;
  log?: (line: string) => void;
  /** SIGTERM → SIGKILL grace (default 2000 ms). */
  graceMs?: number;
}

interface ProcInfo {
  pid: number;
  ppid: number;
  state: string;
  startTime: number;
}

/** Every process running now. Take it right before the session starts. */
export function snapshotProcesses(): ProcessSnapshot {
  return new Map(listProcs().map((p) => [p.pid, p.startTime]));
}

/** Stops the processes the session left behind (see the file comment) and says what it stopped. */
export async function cleanupSessionProcesses(
  snapshot: ProcessSnapshot,
  options: CleanupOptions,
): Promise<StoppedProcess[]> {
  const root = realOrResolved(options.projectDir);
  const procs = listProcs();
  const byPid = new Map(procs.map((p) => [p.pid, p]));
  const protectedPids = ancestorsOf(process.pid, byPid);

  const chosen = new Map<number, StoppedProcess['why']>();
  for (const p of procs) {
    if (p.state === 'Z' || protectedPids.has(p.pid)) continue;
    if (snapshot.get(p.pid) === p.startTime) continue;
    const why = sessionReason(p.pid, root);
    if (why !== undefined) chosen.set(p.pid, why);
  }
  if (chosen.size === 0) return [];

  // Stop only the top of each chosen tree: a child goes with its parent (terminateTree walks descendants).
  const tops = [...chosen.keys()].filter((pid) => !hasChosenAncestor(pid, chosen, byPid));
  const listeners = listeningPorts();
  const stopped: StoppedProcess[] = [];
  for (const pid of tops) {
    const tree = [pid, ...descendantsOf(pid, procs)];
    const ports = [...new Set(tree.flatMap((p) => listeners.get(p) ?? []))].sort((a, b) => a - b);
    const entry: StoppedProcess = {
      pid,
      command: commandLine(pid),
      cwd: cwdOf(pid),
      why: chosen.get(pid) as StoppedProcess['why'],
      ports,
    };
    const where = ports.length > 0 ? `, listening on port ${ports.join(', ')}` : '';
    options.log?.(`stopping pid ${pid} left by the session (${entry.why}${where}): ${entry.command}`);
    stopped.push(entry);
  }
  await Promise.all(stopped.map((s) => terminateTree(s.pid, options.graceMs)));
  const stillListening = listeningPorts();
  for (const s of stopped) {
    if (isAlive(s.pid)) options.log?.(`pid ${s.pid} did not stop`);
    const left = s.ports.filter((port) => [...stillListening.values()].some((ports) => ports.includes(port)));
    if (left.length > 0) options.log?.(`port ${left.join(', ')} is still in use after stopping pid ${s.pid}`);
  }
  return stopped;
}

/** Why this process belongs to the session, or undefined. */
function sessionReason(pid: number, root: string): StoppedProcess['why'] | undefined {
  const cwd = cwdOf(pid);
  if (cwd !== undefined && isInside(cwd, root)) return 'cwd in project';
  const argv = argvOf(pid);
  if (argv.length > 0 && /chrom(e|ium)/i.test(basename(argv[0] as string))) {
    for (const arg of argv) {
      if (!arg.startsWith('--user-data-dir=')) continue;
      const dir = arg.slice('--user-data-dir='.length);
      if (isAbsolute(dir) && isInside(realOrResolved(dir), root)) return 'browser profile in project';
    }
  }
  return undefined;
}

/**
 * Listening TCP sockets (IPv4 and IPv6), by the pid that holds them: /proc/net/tcp{,6} gives the socket
 * inode of each LISTEN entry, /proc/<pid>/fd links name the inodes a process holds.
 */
export function listeningPorts(): Map<number, number[]> {
  const portByInode = new Map<string, number>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
      const [, local, , state, , , , , , inode] = fields;
      if (state !== '0A' || local === undefined || inode === undefined || inode === '0') continue;
      const port = Number.parseInt(local.slice(local.lastIndexOf(':') + 1), 16);
      if (Number.isFinite(port)) portByInode.set(inode, port);
    }
  }
  const result = new Map<number, number[]>();
  if (portByInode.size === 0) return result;
  for (const p of listProcs()) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${p.pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = readlinkSync(`/proc/${p.pid}/fd/${fd}`);
      } catch {
        continue;
      }
      const match = /^socket:\[(\d+)\]$/.exec(target);
      const port = match ? portByInode.get(match[1] as string) : undefined;
      if (port === undefined) continue;
      const ports = result.get(p.pid) ?? [];
      if (!ports.includes(port)) ports.push(port);
      result.set(p.pid, ports);
    }
  }
  return result;
}

function listProcs(): ProcInfo[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const out: ProcInfo[] = [];
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    const info = readProc(Number(name));
    if (info) out.push(info);
  }
  return out;
}

function readProc(pid: number): ProcInfo | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 2 (the name) is in parentheses and may contain spaces; fields 3… follow it.
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const state = rest[0];
    const ppid = Number(rest[1]);
    const startTime = Number(rest[19]); // field 22
    if (state === undefined || !Number.isFinite(ppid) || !Number.isFinite(startTime)) return undefined;
    return { pid, ppid, state, startTime };
  } catch {
    return undefined;
  }
}

function ancestorsOf(pid: number, byPid: ReadonlyMap<number, ProcInfo>): Set<number> {
  const out = new Set<number>([pid, 1]);
  let current = byPid.get(pid);
  while (current !== undefined && current.ppid > 0 && !out.has(current.ppid)) {
    out.add(current.ppid);
    current = byPid.get(current.ppid);
  }
  return out;
}

function hasChosenAncestor(
  pid: number,
  chosen: ReadonlyMap<number, unknown>,
  byPid: ReadonlyMap<number, ProcInfo>,
): boolean {
  const seen = new Set<number>([pid]);
  let parent = byPid.get(pid)?.ppid;
  while (parent !== undefined && parent > 1 && !seen.has(parent)) {
    if (chosen.has(parent)) return true;
    seen.add(parent);
    parent = byPid.get(parent)?.ppid;
  }
  return false;
}

function descendantsOf(pid: number, procs: readonly ProcInfo[]): number[] {
  const children = new Map<number, number[]>();
  for (const p of procs) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p.pid]);
  const out: number[] = [];
  const stack = [...(children.get(pid) ?? [])];
  while (stack.length > 0) {
    const next = stack.pop() as number;
    out.push(next);
    stack.push(...(children.get(next) ?? []));
  }
  return out;
}

function cwdOf(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return undefined;
  }
}

function argvOf(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8')
      .split('\0')
      .filter((a) => a !== '');
  } catch {
    return [];
  }
}

function commandLine(pid: number): string {
  const text = argvOf(pid).join(' ');
  return text.length > 200 ? `${text.slice(0, 199)}…` : text;
}

function realOrResolved(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}
