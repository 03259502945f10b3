/**
 * `kill`, `pkill`, `killall`: only the project's own processes (working folder inside the project), never
 * the harness, its ancestors, its CLI or MCP servers, or PID 1. Patterns are judged by what they would match
 * right now, plus a list of names that are always too broad (`pkill -f node` would stop the harness).
 */
import { basename } from 'node:path';
import { isWithin } from '../../paths.js';
import type { Denial, Word } from '../model.js';
import { type ProcessInfo, pidsUsingPort, processCwd, readProcess } from '../procfs.js';
import { denial, type Rule, type RuleContext, shown } from './context.js';

/** Patterns that would match the harness or the tools every session runs. */
const TOO_BROAD = new Set([
  'node',
  'nodejs',
  'npm',
  'npx',
  'pnpm',
  'yarn',
  'bun',
  'python',
  'python3',
  'bash',
  'sh',
  'claude',
  'claude-harness',
  'chrome',
  'chromium',
  'java',
  'ruby',
  'sleep',
  'tsx',
  'esbuild',
  'playwright',
]);

const HINT =
  "Stop only the project's own servers: `kill $(lsof -t -i:PORT)` for a port, `kill PID` (find it with `pgrep -af PATTERN`), or a pkill pattern unique to the project (e.g. its folder name).";

/** Why the agent may not signal `pid`, or undefined when it may. */
function pidProblem(context: RuleContext, pid: number, what: string): Denial | undefined {
  if (context.protectedPids().has(pid)) {
    const info = readProcess(pid);
    const name = info === undefined ? '' : ` (${describe(info)})`;
    return denial(
      'kill-protected',
      `${what} would stop pid ${pid}${name}, which is the harness, one of its parents, its CLI or an MCP server (or PID 1). ${HINT}`,
    );
  }
  const info = readProcess(pid);
  if (info === undefined) return undefined; // no such process: the signal goes nowhere
  const cwd = processCwd(pid);
  if (cwd === undefined) {
    return denial(
      'kill-outside-project',
      `${what} would stop pid ${pid} (${describe(info)}), whose working folder cannot be read: it is not the project's. ${HINT}`,
    );
  }
  if (!isWithin(context.projectDir, cwd)) {
    return denial(
      'kill-outside-project',
      `${what} would stop pid ${pid} (${describe(info)}), which runs in ${cwd}, outside the project ${context.projectDir}. ${HINT}`,
    );
  }
  return undefined;
}

function describe(info: ProcessInfo): string {
  const command = info.argv.length > 0 ? info.argv.join(' ') : info.comm;
  return `\`${command.length > 80 ? `${command.slice(0, 77)}...` : command}\``;
}

/** `kill [-s SIG | -SIG | -n NUM] PID…`, `kill -l`. */
export const killRule: Rule = (call, context) => {
  const args = call.args;
  const first = args[0]?.value;
  if (first === '-l' || first === '-L' || first === '--list' || first === '--table') return undefined;
  // The first word may name the signal (`-9`, `-TERM`, `-s TERM`, `-n 9`); every later word is a target.
  let index = 0;
  if (first === '-s' || first === '-n' || first === '--signal') index = 2;
  else if (first?.startsWith('-') && first !== '--') index = 1;
  if (args[index]?.value === '--') index += 1;
  for (const target of args.slice(index)) {
    const found = killTarget(context, target);
    if (found !== undefined) return found;
  }
  return undefined;
};

function killTarget(context: RuleContext, target: Word): Denial | undefined {
  if (target.lsofPort !== undefined) {
    // `kill $(lsof -ti:3000)`: judge the processes that hold the port now.
    const { port } = target.lsofPort;
    for (const pid of pidsUsingPort(port, target.lsofPort.listenOnly)) {
      const found = pidProblem(context, pid, `kill of the processes on port ${port}`);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (target.dynamic || target.glob) {
    return denial(
      'kill-dynamic',
      `kill needs literal pids: ${shown(target)} is only known when the shell runs, so the policy cannot tell which process it is. ${HINT}`,
    );
  }
  const text = target.value;
  if (/^%\S*$/.test(text)) return undefined; // a job of this shell
  if (!/^-?\d+$/.test(text)) {
    return denial('kill-target', `kill ${shown(target)}: give a numeric pid. ${HINT}`);
  }
  const pid = Number(text);
  if (pid === 0 || pid === -1) {
    return denial(
      'kill-protected',
      `kill ${text} signals ${pid === 0 ? 'the whole process group' : 'every process the user may signal'}, the harness included. ${HINT}`,
    );
  }
  if (pid < 0) {
    const group = context.processes().filter((info) => info.pgrp === -pid);
    for (const member of group) {
      const found = pidProblem(context, member.pid, `kill ${text} (process group ${-pid})`);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  return pidProblem(context, pid, `kill ${pid}`);
}

interface PatternOptions {
  full: boolean;
  exact: boolean;
  ignoreCase: boolean;
  regex: boolean;
}

/** `pkill [-SIG] [-f] [-x] [-i] PATTERN`: every process the pattern matches now must be the project's. */
export const pkillRule: Rule = (call, context) => {
  const options: PatternOptions = { full: false, exact: false, ignoreCase: false, regex: true };
  const operands: Word[] = [];
  const withValue = new Set([
    '-s',
    '-u',
    '-U',
    '-G',
    '-g',
    '-P',
    '-t',
    '--signal',
    '--session',
    '--euid',
    '--uid',
    '--group',
    '--pgroup',
    '--parent',
    '--terminal',
    '--ns',
    '--nslist',
    '-r',
    '--runstates',
  ]);
  for (let index = 0; index < call.args.length; index++) {
    const word = call.args[index] as Word;
    const text = word.value;
    if (text === '--') {
      operands.push(...call.args.slice(index + 1));
      break;
    }
    if (!text.startsWith('-') || text === '-') {
      operands.push(word);
      continue;
    }
    if (text === '-F' || text.startsWith('--pidfile')) {
      return denial(
        'pkill-pidfile',
        `pkill ${text}: the pids in the file are only known when it runs. ${HINT}`,
      );
    }
    if (text === '-v' || text === '--inverse') {
      return denial('pkill-inverse', `pkill ${text} would stop every process that does NOT match. ${HINT}`);
    }
    if (withValue.has(text)) {
      index += 1;
      continue;
    }
    if (text === '--full') options.full = true;
    else if (text === '--exact') options.exact = true;
    else if (text === '--ignore-case') options.ignoreCase = true;
    else if (!text.startsWith('--') && /^-[a-zA-Z]+$/.test(text) && !/^-[A-Z]{2,}/.test(text)) {
      for (const letter of text.slice(1)) {
        if (letter === 'f') options.full = true;
        else if (letter === 'x') options.exact = true;
        else if (letter === 'i') options.ignoreCase = true;
      }
    }
    // Anything else is a signal (`-9`, `-TERM`, `-SIGKILL`) or a flag that only narrows the match.
  }
  if (
    operands.length === 0 &&
    call.args.some((word) => withValue.has(word.value) && word.value !== '--signal')
  ) {
    return denial(
      'pkill-pattern',
      `pkill without a pattern stops every process of the user, group, session or parent it names. ${HINT}`,
    );
  }
  return matchPattern(context, operands, options, 'pkill');
};

/** `killall [-SIG] [-r] [-I] NAME…`: exact process names unless `-r`. */
export const killallRule: Rule = (call, context) => {
  const options: PatternOptions = { full: false, exact: true, ignoreCase: false, regex: false };
  const operands: Word[] = [];
  for (let index = 0; index < call.args.length; index++) {
    const word = call.args[index] as Word;
    const text = word.value;
    if (text === '--') {
      operands.push(...call.args.slice(index + 1));
      break;
    }
    if (!text.startsWith('-')) {
      operands.push(word);
      continue;
    }
    if (
      text === '-s' ||
      text === '--signal' ||
      text === '-u' ||
      text === '--user' ||
      text === '-o' ||
      text === '-y' ||
      text === '-n' ||
      text === '--ns'
    ) {
      index += 1;
      continue;
    }
    if (text === '-r' || text === '--regexp') {
      options.regex = true;
      options.exact = false;
    } else if (text === '-I' || text === '--ignore-case') options.ignoreCase = true;
  }
  for (const operand of operands) {
    const found = matchPattern(context, [operand], options, 'killall');
    if (found !== undefined) return found;
  }
  return undefined;
};

function matchPattern(
  context: RuleContext,
  operands: readonly Word[],
  options: PatternOptions,
  command: string,
): Denial | undefined {
  const pattern = operands[0];
  if (pattern === undefined) return undefined;
  if (operands.length > 1) {
    return denial(
      'pkill-pattern',
      `${command} takes one pattern; got ${operands.map(shown).join(' ')}. ${HINT}`,
    );
  }
  if (pattern.dynamic) {
    return denial(
      'pkill-dynamic',
      `${command} ${shown(pattern)}: the pattern is only known when the shell runs. ${HINT}`,
    );
  }
  const text = pattern.value;
  const bare = text.replace(/^\^|\$$/g, '').toLowerCase();
  if (bare === '' || /^[.*+?^$|()[\]\\\s]*$/.test(bare) || TOO_BROAD.has(bare)) {
    return denial(
      'pkill-too-broad',
      `\`${command} ${options.full ? '-f ' : ''}${text}\` is too broad: it would also stop the harness, its CLI or other tools${bare === '' ? '' : ` named ${bare}`}. ${HINT}`,
    );
  }
  let matches: (info: ProcessInfo) => boolean;
  try {
    const regex = options.regex
      ? new RegExp(options.exact ? `^(?:${text})$` : text, options.ignoreCase ? 'i' : '')
      : undefined;
    matches = (info) => {
      const subject = options.full && info.argv.length > 0 ? info.argv.join(' ') : info.comm;
      if (regex !== undefined) return regex.test(subject);
      const name = info.argv[0] === undefined ? info.comm : basename(info.argv[0]);
      const equal = (a: string, b: string) =>
        options.ignoreCase ? a.toLowerCase() === b.toLowerCase() : a === b;
      return equal(info.comm, text) || equal(name, text);
    };
  } catch {
    return denial('pkill-pattern', `${command} ${shown(pattern)} is not a valid pattern. ${HINT}`);
  }
  const label = `\`${command} ${options.full ? '-f ' : ''}${text}\``;
  for (const info of context.processes()) {
    if (context.ignoredPids.has(info.pid) || !matches(info)) continue;
    const found = pidProblem(context, info.pid, label);
    if (found !== undefined)
      return {
        rule: found.rule === 'kill-protected' ? 'pkill-protected' : 'pkill-outside-project',
        reason: found.reason,
      };
  }
  return undefined;
}
