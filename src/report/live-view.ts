/**
 * The live terminal view of a run: the log scrolls as usual, and under it a status block stays in place —
 * a progress bar of the features, the running session (kind, feature, attempt, elapsed time, turns) and the
 * tokens and cost so far, redrawn every second.
 *
 * Only for a person at a terminal: when the output is not a TTY, `CI` is set, `TERM` is `dumb` or `--plain`
 * was given, the view is plain — every line is written as it comes and the status block does not exist, so a
 * log file or a CI job gets exactly the lines and no escape codes.
 *
 * Hand-written on purpose: three escape sequences (carriage return, cursor up, erase below) are all it takes
 * to keep a block under a scrolling log; the packages that do this either need Node 22 (log-update 8) or
 * bring a renderer (ink, React) or a task-list model (listr2) the log does not fit.
 */
import { Writable } from 'node:stream';
import type { CommandIO } from '../cli/io.js';
import type { EngineEvent } from '../engine/events.js';
import { usdExact } from './cost.js';
import type { Redactor } from './redact.js';
import { formatDuration, progressBar } from './status.js';
import { cleanTerminalText } from './terminal-text.js';

/** The figures of the whole run, as the state store has them. */
export interface RunFigures {
  passing: number;
  total: number;
  skipped: number;
  /** Input + output tokens of the ended sessions. */
  tokens: number;
  costUsd: number;
}

export interface ProgressView {
  /**
   * The streams to write through. In the live view, what is written there scrolls above the status block.
   * Everything written there is redacted and cleaned of terminal control sequences (`cleanTerminalText`):
   * the run's output holds text the agent controls.
   */
  readonly io: CommandIO;
  /** Whether the status block is drawn (false: plain lines). */
  readonly live: boolean;
  setRun(figures: RunFigures): void;
  /** A session started: `label` says what it is, e.g. `coding F004, attempt 2`. */
  sessionStarted(session: { number: number; label: string }): void;
  /** Every event of the running session (turns and their tokens are counted from them). */
  observe(event: EngineEvent): void;
  /** The session ended; its tokens and cost (from its result) join the run's figures. */
  sessionEnded(spent?: { tokens: number; costUsd: number }): void;
  /** What the run is doing between sessions (`next session in 3 s`); undefined clears it. */
  setWaiting(text: string | undefined): void;
  /** Removes the status block and lets go of the timer; the streams write plainly from then on. */
  close(): void;
}

/** `[████████▒▒▒░░░░░░░░░] 37% · 3/8 passing · 1 skipped · 45,210 tokens · $0.4200` */
export function runSummary(run: RunFigures): string {
  const bar = run.total > 0 ? `${progressBar(run.passing, run.skipped, run.total, BAR_WIDTH)} · ` : '';
  return `${bar}${run.passing}/${run.total} passing · ${run.skipped} skipped · ${run.tokens.toLocaleString('en-US')} tokens · ${usdExact(run.costUsd)}`;
}

/** Whether a person watches `stream`: a TTY, not CI, not a dumb terminal, and not `--plain`. */
export function wantsLiveView(
  stream: NodeJS.WritableStream,
  env: NodeJS.ProcessEnv,
  plain: boolean,
): boolean {
  if (plain) return false;
  if ((stream as { isTTY?: boolean }).isTTY !== true) return false;
  const ci = env.CI?.trim().toLowerCase();
  if (ci !== undefined && ci !== '' && ci !== '0' && ci !== 'false') return false;
  return env.TERM !== 'dumb';
}

export interface ProgressViewOptions {
  io: CommandIO;
  live: boolean;
  /** Applied to everything written through the view's streams and to its status lines. */
  redact?: Redactor;
  now?: () => number;
  /** How often the elapsed time is redrawn; default 1 s. */
  tickMs?: number;
  /**
   * Registers a listener for the process's exit and returns its removal; default `process.on('exit')`. A
   * second Ctrl+C exits at once: the block stays, and the line under it is ended so the shell's prompt
   * starts on its own line.
   */
  onExit?: (listener: () => void) => () => void;
}

export function createProgressView(options: ProgressViewOptions): ProgressView {
  return options.live ? new LiveView(options) : new PlainView(options.io, outputFilter(options.redact));
}

/** Text for the terminal: redacted, then cleaned of control sequences. */
function outputFilter(redact: Redactor | undefined): (text: string) => string {
  return redact === undefined ? cleanTerminalText : (text) => cleanTerminalText(redact(text));
}

/** A stream that writes what it is given to `target`, through `filter`. */
function filtered(target: NodeJS.WritableStream, filter: (text: string) => string): Writable {
  return new Writable({
    decodeStrings: false,
    write: (chunk: string | Buffer, _encoding, callback) => {
      target.write(filter(typeof chunk === 'string' ? chunk : chunk.toString('utf8')));
      callback();
    },
  });
}

class PlainView implements ProgressView {
  readonly live = false;
  readonly io: CommandIO;
  constructor(io: CommandIO, filter: (text: string) => string) {
    this.io = { ...io, out: filtered(io.out, filter), err: filtered(io.err, filter) };
  }
  setRun(): void {}
  sessionStarted(): void {}
  observe(): void {}
  sessionEnded(): void {}
  setWaiting(): void {}
  close(): void {}
}

const ERASE_BELOW = '\x1b[J';
const CURSOR_UP = '\x1b[1A';
const BAR_WIDTH = 20;

interface RunningSession {
  number: number;
  label: string;
  startedAt: number;
  turns: Set<string>;
  tokens: number;
}

class LiveView implements ProgressView {
  readonly live = true;
  readonly io: CommandIO;
  readonly #terminal: NodeJS.WritableStream;
  readonly #now: () => number;
  readonly #timer: NodeJS.Timeout;
  #run: RunFigures | undefined;
  #session: RunningSession | undefined;
  #waiting: string | undefined;
  /** How many status lines are on the screen now; the cursor is at the end of the last one. */
  #drawn = 0;
  #closed = false;
  readonly #removeExitListener: () => void;
  /** Text written without its newline yet, per stream. */
  readonly #pending = new Map<NodeJS.WritableStream, string>();
  readonly #filter: (text: string) => string;

  constructor(options: ProgressViewOptions) {
    const { io } = options;
    this.#filter = outputFilter(options.redact);
    this.#terminal = io.out;
    this.#now = options.now ?? Date.now;
    this.io = { ...io, out: this.#through(io.out), err: this.#through(io.err) };
    this.#timer = setInterval(() => {
      if (this.#session !== undefined) this.#redraw();
    }, options.tickMs ?? 1000);
    this.#timer.unref();
    const atExit = () => {
      if (this.#drawn > 0) this.#terminal.write('\n');
    };
    this.#removeExitListener = (options.onExit ?? onProcessExit)(atExit);
  }

  setRun(figures: RunFigures): void {
    this.#run = figures;
    this.#redraw();
  }

  sessionStarted(session: { number: number; label: string }): void {
    this.#waiting = undefined;
    this.#session = { ...session, startedAt: this.#now(), turns: new Set(), tokens: 0 };
    this.#redraw();
  }

  observe(event: EngineEvent): void {
    const session = this.#session;
    if (event.type !== 'turn' || session === undefined || session.turns.has(event.messageId)) return;
    session.turns.add(event.messageId);
    session.tokens += event.usage.inputTokens + event.usage.outputTokens;
    this.#redraw();
  }

  sessionEnded(spent?: { tokens: number; costUsd: number }): void {
    this.#session = undefined;
    if (this.#run !== undefined && spent !== undefined) {
      this.#run = {
        ...this.#run,
        tokens: this.#run.tokens + spent.tokens,
        costUsd: this.#run.costUsd + spent.costUsd,
      };
    }
    this.#redraw();
  }

  setWaiting(text: string | undefined): void {
    this.#waiting = text;
    this.#redraw();
  }

  close(): void {
    if (this.#closed) return;
    clearInterval(this.#timer);
    this.#removeExitListener();
    this.#clear();
    this.#closed = true;
    for (const [stream, text] of this.#pending) if (text !== '') stream.write(`${this.#filter(text)}\n`);
    this.#pending.clear();
  }

  /** The lines of the status block, each cut to the terminal's width so that none wraps. */
  statusLines(): string[] {
    const lines: string[] = [];
    const run = this.#run;
    const session = this.#session;
    if (run !== undefined) lines.push(runSummary({ ...run, tokens: run.tokens + (session?.tokens ?? 0) }));
    if (session !== undefined) {
      const elapsed = formatDuration(this.#now() - session.startedAt);
      const turns = `${session.turns.size} turn${session.turns.size === 1 ? '' : 's'}`;
      lines.push(`▶ session ${session.number} · ${session.label} · ${elapsed} · ${turns}`);
    } else if (this.#waiting !== undefined) {
      lines.push(`… ${this.#waiting}`);
    }
    // A terminal that does not say its size (columns 0 or missing) is taken as 80 wide.
    const columns = (this.#terminal as { columns?: number }).columns || 80;
    const width = Math.max(10, columns - 1);
    // Cleaned before they are cut: a label holds the agent's feature id, and a cut must not split a sequence.
    return lines
      .map(this.#filter)
      .map((line) => (line.length <= width ? line : `${line.slice(0, width - 1)}…`));
  }

  #through(target: NodeJS.WritableStream): Writable {
    return new Writable({
      decodeStrings: false,
      write: (chunk: string | Buffer, _encoding, callback) => {
        this.#print(target, typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
        callback();
      },
    });
  }

  /** Writes whole lines above the status block; a line's unfinished end waits for its newline. */
  #print(target: NodeJS.WritableStream, text: string): void {
    if (this.#closed) {
      target.write(this.#filter(text));
      return;
    }
    const joined = (this.#pending.get(target) ?? '') + text;
    const end = joined.lastIndexOf('\n');
    this.#pending.set(target, joined.slice(end + 1));
    if (end === -1) return;
    this.#clear();
    target.write(this.#filter(joined.slice(0, end + 1)));
    this.#draw();
  }

  #redraw(): void {
    if (this.#closed) return;
    this.#clear();
    this.#draw();
  }

  #clear(): void {
    if (this.#drawn === 0) return;
    this.#terminal.write(`\r${CURSOR_UP.repeat(this.#drawn - 1)}${ERASE_BELOW}`);
    this.#drawn = 0;
  }

  #draw(): void {
    const lines = this.statusLines();
    if (lines.length === 0) return;
    this.#terminal.write(lines.join('\n'));
    this.#drawn = lines.length;
  }
}

function onProcessExit(listener: () => void): () => void {
  process.on('exit', listener);
  return () => process.off('exit', listener);
}
