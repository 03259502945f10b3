/**
 * The processes on this machine, read from /proc, for the kill rules: who a pid is, where it runs, and which
 * processes the agent must never stop (the harness, its ancestors, its CLI and MCP servers, PID 1).
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

export interface ProcessInfo {
  pid: number;
  ppid: number;
  pgrp: number;
  /** The kernel's short name (15 characters at most), what `pkill` without `-f` matches. */
  comm: string;
  /** The arguments; empty for kernel threads and zombies. */
  argv: string[];
}

/** Shells: the agent's commands run under one, so a shell ends the protected subtree of the harness. */
const SHELLS = new Set(['bash', 'sh', 'dash', 'zsh', 'ksh', 'fish']);

export function readProcess(pid: number): ProcessInfo | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // `pid (comm) state ppid pgrp …`; comm may itself contain spaces and parentheses.
  const open = stat.indexOf('(');
  const close = stat.lastIndexOf(')');
  if (open === -1 || close === -1) return undefined;
  const comm = stat.slice(open + 1, close);
  const fields = stat.slice(close + 2).split(' ');
  let argv: string[] = [];
  try {
    argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    if (argv.at(-1) === '') argv.pop();
  } catch {
    argv = [];
  }
  return { pid, ppid: Number(fields[1]), pgrp: Number(fields[2]), comm, argv };
}

export function listProcesses(): ProcessInfo[] {
  const processes: ProcessInfo[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return processes;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const info = readProcess(Number(entry));
    if (info !== undefined) processes.push(info);
  }
  return processes;
}

/**
 * The pids `lsof -t -i:PORT` would print: processes holding a TCP or UDP socket whose local or remote port
 * is `port` (only listening TCP sockets with `listenOnly`). Read from /proc/net and every process's fds.
 */
export function pidsUsingPort(port: number, listenOnly: boolean): number[] {
  const inodes = new Set<string>();
  for (const table of ['tcp', 'tcp6', 'udp', 'udp6']) {
    if (listenOnly && table.startsWith('udp')) continue;
    let text: string;
    try {
      text = readFileSync(`/proc/net/${table}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const local = Number.parseInt(fields[1]?.split(':')[1] ?? '', 16);
      const remote = Number.parseInt(fields[2]?.split(':')[1] ?? '', 16);
      const inode = fields[9];
      if (inode === undefined || inode === '0') continue;
      const matches = listenOnly ? fields[3] === '0A' && local === port : local === port || remote === port;
      if (matches) inodes.add(`socket:[${inode}]`);
    }
  }
  if (inodes.size === 0) return [];
  const pids: number[] = [];
  for (const entry of safeReaddir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    for (const fd of safeReaddir(`/proc/${entry}/fd`)) {
      let target: string;
      try {
        target = readlinkSync(`/proc/${entry}/fd/${fd}`);
      } catch {
        continue;
      }
      if (inodes.has(target)) {
        pids.push(Number(entry));
        break;
      }
    }
  }
  return pids;
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** The real working folder of a process, or undefined when it cannot be read (another user's, gone). */
export function processCwd(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return undefined;
  }
}

/**
 * Every pid the agent may not signal: PID 1, the given pids and their ancestors, and the given pids'
 * descendants reached without passing through a shell. The harness's CLI and MCP servers are such children;
 * the agent's own commands (dev servers included) run under a shell the CLI started, so they stay killable.
 */
export function protectedClosure(pids: readonly number[], processes: readonly ProcessInfo[]): Set<number> {
  const byPid = new Map(processes.map((info) => [info.pid, info]));
  const children = new Map<number, ProcessInfo[]>();
  for (const info of processes) {
    const list = children.get(info.ppid) ?? [];
    list.push(info);
    children.set(info.ppid, list);
  }
  const result = new Set<number>([1]);
  for (const pid of pids) {
    result.add(pid);
    let current = byPid.get(pid);
    for (let hops = 0; current !== undefined && current.ppid > 0 && hops < 1000; hops++) {
      result.add(current.ppid);
      current = byPid.get(current.ppid);
    }
    const pending = [...(children.get(pid) ?? [])];
    while (pending.length > 0) {
      const child = pending.pop() as ProcessInfo;
      if (SHELLS.has(child.comm) || result.has(child.pid)) continue;
      result.add(child.pid);
      pending.push(...(children.get(child.pid) ?? []));
    }
  }
  return result;
}
