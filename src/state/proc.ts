/**
 * What Linux /proc says about a process: its command line, working directory and start time. Used to tell a
 * live claude-harness or Claude Code CLI from an unrelated process that reused its pid. Every function
 * returns `undefined` when the process is gone or /proc is not readable.
 */
import { readFileSync, readlinkSync } from 'node:fs';
import { basename } from 'node:path';

export function readCmdline(pid: number): string[] | undefined {
  try {
    const raw = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    const argv = raw.split('\0');
    if (argv.at(-1) === '') argv.pop();
    return argv;
  } catch {
    return undefined;
  }
}

export function readCwd(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return undefined;
  }
}

/**
 * The process start time in clock ticks since boot (field 22 of /proc/<pid>/stat), as a string. Two
 * processes with the same pid and the same start time are the same process.
 */
export function readStartTicks(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name start at field 3 (state).
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[22 - 3];
  } catch {
    return undefined;
  }
}

/**
 * A node process running claude-harness: its script path or bin name mentions claude-harness, or it is a
 * `dist/cli/main.js` (how the package runs from a checkout). Errs towards "yes": a false yes only makes a
 * rerun refuse with a clear message, a false no would let two harnesses edit one project.
 */
export function isHarnessCommand(argv: readonly string[]): boolean {
  const [program, ...args] = argv;
  if (program === undefined || !/^node(js)?(\d+)?$|^bun$/.test(basename(program))) return false;
  return args.some(
    (arg) =>
      arg.includes('claude-harness') || arg === 'dist/cli/main.js' || arg.endsWith('/dist/cli/main.js'),
  );
}

/**
 * The Claude Code CLI: the SDK's native `claude` binary, or its JavaScript `cli.js` run by node. The
 * harness itself (`claude-harness`) does not match.
 */
export function isClaudeCliCommand(argv: readonly string[]): boolean {
  const [program, ...args] = argv;
  if (program === undefined) return false;
  if (basename(program) === 'claude') return true;
  if (!/^node(js)?(\d+)?$|^bun$/.test(basename(program))) return false;
  const script = args.find((arg) => !arg.startsWith('-'));
  if (script === undefined) return false;
  return (
    basename(script) === 'claude' ||
    (basename(script) === 'cli.js' && /claude-code|claude-agent-sdk/.test(script))
  );
}
