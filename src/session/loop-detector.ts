import { ALLOW, deny, type Guard, type ToolCall } from '../guards/types.js';

/**
 * Loop detection on the SDK's real tool names (Read, Edit, Bash, mcp__server__tool, …). The PreToolUse hook
 * asks `check()` before a call runs, so the call that would continue a loop is refused with a message that
 * says what is being repeated and what to do instead. Each refusal is a strike; a loop that goes on after
 * `maxStrikes` refusals ends the session.
 */

/** Identical calls (tool and input) in a row: the call that would be the 5th is refused. */
export const REPEAT_THRESHOLD = 5;
/** Failures of one Bash command with nothing changed in between: after 3, the next try is refused. */
export const FAILING_COMMAND_THRESHOLD = 3;
/** Failures of a command older than this many calls are forgotten. */
export const FAILING_COMMAND_WINDOW = 20;
/** Full A-B cycles: the call that would complete A B A B A B is refused. */
export const ALTERNATION_CYCLES = 3;
/** Read-only calls in a row with no change: the 40th is refused. */
export const READ_ONLY_CHURN_THRESHOLD = 40;
/**
 * Refusals per pattern; the next detection of that pattern aborts the session. A file change (Write, Edit,
 * MultiEdit, NotebookEdit) clears the strikes: the agent got unstuck.
 */
export const MAX_STRIKES = 2;

export type LoopPattern = 'repeat' | 'failing-command' | 'alternation' | 'read-only-churn';

export interface LoopVerdict {
  pattern: LoopPattern;
  /** Told to the agent: what it is repeating and what to do instead. */
  message: string;
  /** Detections of this pattern so far, this one included. */
  strikes: number;
  /** True once the pattern went on after `maxStrikes` refusals: stop the session. */
  abort: boolean;
}

export interface LoopDetectorOptions {
  repeatThreshold?: number;
  failingCommandThreshold?: number;
  failingCommandWindow?: number;
  alternationCycles?: number;
  readOnlyChurnThreshold?: number;
  maxStrikes?: number;
}

/** A tool result as the engine reports it (`tool_result` events fit as they are). */
export interface LoopToolResult {
  id: string;
  isError: boolean;
  content: string;
}

/** The file tools that change the project. */
const EDIT_TOOLS = new Set(['Write', 'Edit', 'MultiEdit', 'NotebookEdit']);
/** Tools that only look. Anything else that is not an edit (WebFetch, TodoWrite, mcp__…) is neutral. */
const READ_ONLY_TOOLS = new Set(['Read', 'Glob', 'Grep', 'LS', 'NotebookRead']);
/** Commands that only look, whatever their arguments (no output redirection, checked separately). */
const READ_ONLY_COMMANDS = new Set([
  'cat',
  'cd',
  'du',
  'echo',
  'file',
  'grep',
  'egrep',
  'fgrep',
  'head',
  'ls',
  'pwd',
  'realpath',
  'rg',
  'stat',
  'tail',
  'tree',
  'wc',
  'which',
]);
const READ_ONLY_GIT = new Set(['status', 'diff', 'log', 'show', 'ls-files', 'blame', 'rev-parse']);
/** `find` options that act on what they find. */
const FIND_ACTIONS = /\s-(?:exec|execdir|ok|okdir|delete|fprint\w*|fls)\b/;
/** Redirections that write nothing: onto another descriptor (`2>&1`) or into /dev/null. */
const HARMLESS_REDIRECTION = /\d*>&\d|[\d&]?>>?\s*\/dev\/null/g;

/** `change`: an edit tool or a shell command that is not plainly read-only. */
/** Bash calls waiting for a result that are remembered; older ones are forgotten. */
const MAX_PENDING_COMMANDS = 64;

type CallKind = 'change' | 'read' | 'neutral';

interface PendingCommand {
  command: string;
  /** Index of the call in the session. */
  at: number;
}

interface RecordedFailure {
  /** Index of the call in the session. */
  at: number;
  /** First line of the error output, for the message. */
  excerpt: string;
}

export class LoopDetector {
  readonly repeatThreshold: number;
  readonly failingCommandThreshold: number;
  readonly failingCommandWindow: number;
  readonly alternationCycles: number;
  readonly readOnlyChurnThreshold: number;
  readonly maxStrikes: number;

  /** Keys of the latest recorded calls, oldest first, no longer than the patterns need. */
  private readonly recent: string[] = [];
  /** Descriptions of the keys in `recent`, for messages. */
  private readonly labels = new Map<string, string>();
  private readonly historyLimit: number;
  private callCount = 0;
  private readOnlyStreak = 0;
  /** Bash calls still waiting for their result, by tool use id. */
  private readonly pendingCommands = new Map<string, PendingCommand>();
  private readonly failures = new Map<string, RecordedFailure[]>();
  private readonly strikes = new Map<LoopPattern, number>();
  private aborted: LoopVerdict | undefined;

  constructor(options: LoopDetectorOptions = {}) {
    this.repeatThreshold = atLeast(options.repeatThreshold ?? REPEAT_THRESHOLD, 2);
    this.failingCommandThreshold = atLeast(options.failingCommandThreshold ?? FAILING_COMMAND_THRESHOLD, 1);
    this.failingCommandWindow = atLeast(options.failingCommandWindow ?? FAILING_COMMAND_WINDOW, 1);
    this.alternationCycles = atLeast(options.alternationCycles ?? ALTERNATION_CYCLES, 2);
    this.readOnlyChurnThreshold = atLeast(options.readOnlyChurnThreshold ?? READ_ONLY_CHURN_THRESHOLD, 1);
    this.maxStrikes = atLeast(options.maxStrikes ?? MAX_STRIKES, 0);
    const lengths = [this.repeatThreshold, 2 * this.alternationCycles].filter(Number.isFinite);
    this.historyLimit = Math.max(2, ...lengths);
  }

  /**
   * Asks, before a call runs, whether it would continue a loop. Every verdict counts a strike for its
   * pattern; once the session is to be aborted, every later call gets the same aborting verdict.
   */
  check(call: ToolCall): LoopVerdict | undefined {
    if (this.aborted) return this.aborted;
    const key = callKey(call);
    const found =
      this.findRepeat(key, call) ??
      this.findAlternation(key, call) ??
      this.findFailingCommand(call) ??
      this.findReadOnlyChurn(call);
    if (!found) return undefined;
    const strikes = (this.strikes.get(found.pattern) ?? 0) + 1;
    this.strikes.set(found.pattern, strikes);
    const abort = strikes > this.maxStrikes;
    const message = abort ? `${found.message} ${this.abortNote()}` : found.message;
    const verdict: LoopVerdict = { pattern: found.pattern, message, strikes, abort };
    if (abort) this.aborted = verdict;
    return verdict;
  }

  /** Notes a call that is going to run. */
  recordCall(call: ToolCall): void {
    const key = callKey(call);
    this.callCount += 1;
    this.recent.push(key);
    if (this.recent.length > this.historyLimit) this.recent.shift();
    this.labels.set(key, describeCall(call));
    if (this.labels.size > this.historyLimit * 2) this.pruneLabels();

    const kind = classifyCall(call);
    const command = bashCommand(call);
    if (kind === 'read') {
      this.readOnlyStreak += 1;
    } else if (kind === 'change') {
      this.readOnlyStreak = 0;
      // Something changed: a command that failed before deserves a fresh try.
      for (const failed of [...this.failures.keys()]) {
        if (failed !== command) this.failures.delete(failed);
      }
      if (EDIT_TOOLS.has(call.toolName)) this.strikes.clear();
    }
    if (command !== undefined && call.toolUseId !== undefined) {
      this.pendingCommands.set(call.toolUseId, { command, at: this.callCount });
      // Results that never come (a call the SDK refused later) must not pile up.
      if (this.pendingCommands.size > MAX_PENDING_COMMANDS) {
        const oldest = this.pendingCommands.keys().next().value;
        if (oldest !== undefined) this.pendingCommands.delete(oldest);
      }
    }
  }

  /** Notes a tool result (the engine's `tool_result` event); results of unknown calls are ignored. */
  recordResult(result: LoopToolResult): void {
    const pending = this.pendingCommands.get(result.id);
    if (pending === undefined) return;
    this.pendingCommands.delete(result.id);
    const { command, at } = pending;
    if (result.isError) {
      if (!Number.isFinite(this.failingCommandThreshold)) return;
      const list = this.failures.get(command) ?? [];
      list.push({ at, excerpt: firstLine(result.content) });
      list.sort((x, y) => x.at - y.at);
      this.failures.set(command, list.slice(-this.failingCommandThreshold));
    } else {
      // It worked this time: whatever failed before was not a loop.
      this.failures.delete(command);
    }
  }

  private findRepeat(key: string, call: ToolCall): Omit<LoopVerdict, 'strikes' | 'abort'> | undefined {
    const needed = this.repeatThreshold - 1;
    if (this.recent.length < needed) return undefined;
    for (let i = this.recent.length - needed; i < this.recent.length; i++) {
      if (this.recent[i] !== key) return undefined;
    }
    return {
      pattern: 'repeat',
      message:
        `Refused: this would be the ${ordinal(this.repeatThreshold)} identical ${describeCall(call)} in a row, ` +
        'and the same call with the same input gives the same answer. Use the result you already have; ' +
        'if it is not what you expected, change the input or take a different approach.',
    };
  }

  private findAlternation(key: string, call: ToolCall): Omit<LoopVerdict, 'strikes' | 'abort'> | undefined {
    const length = 2 * this.alternationCycles;
    if (this.recent.length < length - 1) return undefined;
    const sequence = [...this.recent.slice(-(length - 1)), key];
    const [a, b] = sequence;
    if (a === undefined || b === undefined || a === b) return undefined;
    for (let i = 2; i < sequence.length; i++) {
      if (sequence[i] !== (i % 2 === 0 ? a : b)) return undefined;
    }
    const other = this.labels.get(a === key ? b : a) ?? 'another call';
    return {
      pattern: 'alternation',
      message:
        `Refused: you are alternating between ${describeCall(call)} and ${other}; this would complete ` +
        `${this.alternationCycles} identical rounds with nothing changing in between. Stop the cycle: ` +
        'read the results you already have, decide what is wrong, and make a change before trying again.',
    };
  }

  private findFailingCommand(call: ToolCall): Omit<LoopVerdict, 'strikes' | 'abort'> | undefined {
    const command = bashCommand(call);
    if (command === undefined) return undefined;
    const list = this.failures.get(command);
    if (!list) return undefined;
    const recent = list.filter((failure) => failure.at > this.callCount - this.failingCommandWindow);
    if (recent.length < this.failingCommandThreshold) return undefined;
    const last = recent.at(-1)?.excerpt ?? '';
    return {
      pattern: 'failing-command',
      message:
        `Refused: \`${truncate(command, 160)}\` has failed ${recent.length} times and nothing was changed ` +
        `in between${last ? ` (last error: ${truncate(last, 200)})` : ''}. Running it again will fail the ` +
        'same way. Read its error output, fix the cause first (edit the code or the setup), or use a ' +
        'different command.',
    };
  }

  private findReadOnlyChurn(call: ToolCall): Omit<LoopVerdict, 'strikes' | 'abort'> | undefined {
    if (classifyCall(call) !== 'read') return undefined;
    if (this.readOnlyStreak + 1 < this.readOnlyChurnThreshold) return undefined;
    return {
      pattern: 'read-only-churn',
      message:
        `Refused: ${this.readOnlyStreak} read-only calls in a row (Read, Grep, Glob, ls, cat, git diff…) ` +
        'without changing anything. Stop exploring: make the change you have in mind now, or write down ' +
        'what you found and what is blocking you in the progress notes and end the session.',
    };
  }

  private abortNote(): string {
    if (this.maxStrikes === 0) return 'The harness is ending this session.';
    const told = this.maxStrikes === 1 ? 'once' : `${this.maxStrikes} times`;
    return `You were told ${told} and went on, so the harness is ending this session.`;
  }

  private pruneLabels(): void {
    const keep = new Set(this.recent);
    for (const key of this.labels.keys()) {
      if (!keep.has(key)) this.labels.delete(key);
    }
  }
}

/** The PreToolUse guard: refuses a call that continues a loop, and records the calls it lets through. */
export function loopGuard(detector: LoopDetector, onAbort: (verdict: LoopVerdict) => void): Guard {
  let abortReported = false;
  return {
    name: 'loop-detector',
    check(call) {
      const verdict = detector.check(call);
      if (!verdict) {
        detector.recordCall(call);
        return ALLOW;
      }
      if (verdict.abort && !abortReported) {
        abortReported = true;
        onAbort(verdict);
      }
      return deny('loop-detector', verdict.pattern, verdict.message);
    },
  };
}

/** Tool name plus the input as canonical JSON (key order does not matter). */
export function callKey(call: ToolCall): string {
  let input = call.input;
  if (call.toolName === 'Bash') {
    // The description is a label the model rewrites freely; the command is what runs.
    const { description: _description, ...rest } = input;
    input = rest;
  }
  return `${call.toolName}\u0000${canonicalJson(input)}`;
}

/** JSON with object keys sorted at every level; `undefined` members are left out as JSON.stringify does. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item)).join(',')}]`;
  const record = value as Record<string, unknown>;
  const members: string[] = [];
  for (const key of Object.keys(record).sort()) {
    const member = record[key];
    if (member === undefined || typeof member === 'function') continue;
    members.push(`${JSON.stringify(key)}:${canonicalJson(member)}`);
  }
  return `{${members.join(',')}}`;
}

/** Whether a call only looks (`read`), changes the project (`edit`) or neither (`neutral`). */
export function classifyCall(call: ToolCall): CallKind {
  if (EDIT_TOOLS.has(call.toolName)) return 'change';
  if (READ_ONLY_TOOLS.has(call.toolName)) return 'read';
  const command = bashCommand(call);
  if (command !== undefined) return isReadOnlyCommand(command) ? 'read' : 'change';
  return 'neutral';
}

/**
 * Whether a shell command plainly only looks: every part of a pipeline or list starts with a command from
 * a short list, and nothing is written to a file. When in doubt, it is not read-only.
 */
export function isReadOnlyCommand(command: string): boolean {
  if (/[`]|\$\(|<\(|>\(/.test(command)) return false;
  const cleaned = command.replace(HARMLESS_REDIRECTION, ' ');
  if (cleaned.includes('>')) return false;
  for (const part of cleaned.split(/&&|\|\||[;|&\n]/)) {
    const words = part.trim().split(/\s+/).filter(Boolean);
    const [program, sub] = words;
    if (program === undefined) continue;
    if (words.some((word) => word.startsWith('--output'))) return false;
    if (program === 'git') {
      if (sub === undefined || !READ_ONLY_GIT.has(sub)) return false;
      continue;
    }
    if (program === 'find') {
      if (FIND_ACTIONS.test(` ${words.slice(1).join(' ')}`)) return false;
      continue;
    }
    if (!READ_ONLY_COMMANDS.has(program)) return false;
  }
  return true;
}

function bashCommand(call: ToolCall): string | undefined {
  if (call.toolName !== 'Bash') return undefined;
  const command = call.input.command;
  return typeof command === 'string' ? command.trim().replace(/\s+/g, ' ') : undefined;
}

/** A short, human description of a call for messages: "Read of src/app.ts", "Bash `npm test`". */
export function describeCall(call: ToolCall): string {
  const input = call.input;
  const text = (name: string): string | undefined =>
    typeof input[name] === 'string' ? truncate(input[name], 120) : undefined;
  switch (call.toolName) {
    case 'Bash': {
      const command = text('command');
      return command === undefined ? 'Bash call' : `Bash \`${command}\``;
    }
    case 'Read':
    case 'Write':
    case 'Edit':
    case 'MultiEdit': {
      const path = text('file_path');
      return path === undefined ? `${call.toolName} call` : `${call.toolName} of ${path}`;
    }
    case 'NotebookEdit': {
      const path = text('notebook_path');
      return path === undefined ? 'NotebookEdit call' : `NotebookEdit of ${path}`;
    }
    case 'Grep':
    case 'Glob': {
      const pattern = text('pattern');
      return pattern === undefined ? `${call.toolName} call` : `${call.toolName} for "${pattern}"`;
    }
    case 'WebFetch': {
      const url = text('url');
      return url === undefined ? 'WebFetch call' : `WebFetch of ${url}`;
    }
    default:
      return `${call.toolName} call ${truncate(canonicalJson(input), 120)}`;
  }
}

function firstLine(text: string): string {
  const line = text.split('\n').find((candidate) => candidate.trim().length > 0);
  return line?.trim() ?? '';
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function ordinal(n: number): string {
  const mod100 = n % 100;
  if (mod100 >= 11 && mod100 <= 13) return `${n}th`;
  const suffix = ['th', 'st', 'nd', 'rd'][n % 10] ?? 'th';
  return `${n}${suffix}`;
}

/** Whole numbers not below `min`; `Infinity` turns a pattern off. */
function atLeast(value: number, min: number): number {
  if (Number.isNaN(value)) return min;
  return value === Number.POSITIVE_INFINITY ? value : Math.max(min, Math.floor(value));
}
