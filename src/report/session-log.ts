import { isAbsolute, relative } from 'node:path';
import type { EngineEvent } from '../engine/events.js';
import { usdExact } from './cost.js';
import type { Redactor } from './redact.js';
import { cleanTerminalText } from './terminal-text.js';

/**
 * Plain, line-oriented progress output for one session: readable in a terminal, a log file or CI.
 * One line per tool call; text from the agent is shortened to its first line.
 */
/** What `--quiet` leaves out: the agent's text and its tool calls (failures still show). */
const QUIET_HIDES = new Set<EngineEvent['type']>([
  'session_start',
  'assistant_text',
  'tool_call',
  'tool_result',
]);

/** Lines of a Bash command's output shown under the call. */
const BASH_OUTPUT_LINES = 4;

export interface SessionLogOptions {
  out: NodeJS.WritableStream;
  projectDir: string;
  /** Shown in the header, e.g. "session 1 (initializer)". */
  label: string;
  now?: () => number;
  /** `quiet`: problems and the session summary only; `verbose`: every tool's output too. */
  verbosity?: 'quiet' | 'normal' | 'verbose';
  /** Sees every event too (the live view counts turns and tokens from them). */
  observe?: (event: EngineEvent) => void;
  /** Applied to the agent's text before it is shortened, so no cut leaves part of a secret. */
  redact?: Redactor;
}

export class SessionLog {
  readonly #out: NodeJS.WritableStream;
  readonly #projectDir: string;
  readonly #label: string;
  readonly #now: () => number;
  readonly #started: number;
  readonly #verbosity: 'quiet' | 'normal' | 'verbose';
  /** Tool name per call id, to show what a result belongs to. */
  readonly #toolNames = new Map<string, string>();
  readonly #observe: ((event: EngineEvent) => void) | undefined;
  readonly #redact: Redactor;

  constructor(options: SessionLogOptions) {
    this.#out = options.out;
    this.#projectDir = options.projectDir;
    this.#label = options.label;
    this.#now = options.now ?? Date.now;
    this.#started = this.#now();
    this.#verbosity = options.verbosity ?? 'normal';
    this.#observe = options.observe;
    this.#redact = options.redact ?? ((text) => text);
  }

  /** Text from the agent or a tool, fit for the terminal: secrets redacted, control sequences removed. */
  #safe(text: string): string {
    return cleanTerminalText(this.#redact(text));
  }

  write(event: EngineEvent): void {
    this.#observe?.(event);
    if (event.type === 'tool_call') this.#toolNames.set(event.id, event.name);
    const line = this.format(event);
    if (line !== undefined) this.#out.write(`${line}\n`);
  }

  /** A line from the harness itself (a denial, a checkpoint), shown in the session's flow. */
  note(line: string): void {
    this.#out.write(`${this.#safe(line)}\n`);
  }

  format(event: EngineEvent): string | undefined {
    if (this.#verbosity === 'quiet' && QUIET_HIDES.has(event.type)) {
      if (!(event.type === 'tool_result' && event.isError)) return undefined;
    }
    switch (event.type) {
      case 'session_start':
        return this.#safe(
          `▶ ${this.#label} started · model ${event.model} · Claude Code ${event.claudeCodeVersion}`,
        );
      case 'assistant_text':
        return `  ${truncate(firstLine(this.#safe(event.text)), 100)}`;
      case 'tool_call':
        return `  → ${this.#safe(event.name)} ${this.describeInput(event.name, event.input)}`.trimEnd();
      case 'tool_result': {
        if (event.isError) return `    ✗ ${truncate(firstLine(stripTags(this.#safe(event.content))), 100)}`;
        // A command's output is what a person watching wants to see; file tools' echoes are noise.
        if (this.#toolNames.get(event.id) !== 'Bash' && this.#verbosity !== 'verbose') return undefined;
        const lines = this.#safe(event.content)
          .trimEnd()
          .split('\n')
          .filter((l) => l.trim() !== '');
        if (lines.length === 0) return undefined;
        const shown = lines.slice(0, BASH_OUTPUT_LINES).map((l) => `    │ ${truncate(l, 100)}`);
        if (lines.length > BASH_OUTPUT_LINES)
          shown.push(`    │ … ${lines.length - BASH_OUTPUT_LINES} more lines`);
        return shown.join('\n');
      }
      case 'turn':
        return undefined;
      case 'api_retry':
        return this.#safe(
          `  … API ${event.status ?? 'connection'} error (${event.error}), retry ${event.attempt}/${event.maxRetries} in ${Math.round(event.delayMs / 1000)} s`,
        );
      case 'result': {
        const seconds = ((this.#now() - this.#started) / 1000).toFixed(1);
        const tokens = `${event.usage.inputTokens.toLocaleString('en-US')} in / ${event.usage.outputTokens.toLocaleString('en-US')} out tokens`;
        const summary = `${event.numTurns} turns · ${tokens} · ${usdExact(event.costUsd)} · ${seconds} s`;
        return event.ok
          ? `✓ ${this.#label} finished: ${summary}`
          : this.#safe(
              `✗ ${this.#label} failed (${event.subtype}${event.terminalReason ? `, ${event.terminalReason}` : ''}): ${summary}${event.errors.length > 0 ? `\n  ${event.errors.join('\n  ')}` : ''}`,
            );
      }
      case 'error':
        return this.#safe(
          event.kind === 'aborted'
            ? `■ ${this.#label} stopped: ${event.message}`
            : `✗ ${this.#label} failed: ${event.message}`,
        );
    }
  }

  private describeInput(tool: string, input: Record<string, unknown>): string {
    const path = input.file_path ?? input.notebook_path ?? input.path;
    if (tool === 'Bash' && typeof input.command === 'string') {
      return truncate(firstLine(this.#safe(input.command)), 100);
    }
    if (typeof path === 'string') return this.#safe(this.relativePath(path));
    if (typeof input.pattern === 'string') return truncate(this.#safe(input.pattern), 80);
    return '';
  }

  private relativePath(path: string): string {
    if (!isAbsolute(path)) return path;
    const rel = relative(this.#projectDir, path);
    return rel.startsWith('..') || isAbsolute(rel) ? path : rel || '.';
  }
}

function firstLine(text: string): string {
  const trimmed = text.trim();
  const index = trimmed.indexOf('\n');
  return index === -1 ? trimmed : `${trimmed.slice(0, index)} …`;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function stripTags(text: string): string {
  return text.replace(/<\/?[a-z_]+>/g, '');
}
