/**
 * `.claude-harness/events.jsonl`: one JSON line per harness event (`{ v: 1, at, type, … }`), for people and
 * tools that follow a run. Each line is written with a single write(2) on a file opened with O_APPEND, so
 * lines from several processes never interleave and a crash loses at most the line being written.
 */
import { terminalSafeJson } from '../report/terminal-text.js';
import { eventsPath } from './paths.js';
import { appendProjectFile, readProjectFile } from './safe-fs.js';

export const EVENT_LOG_VERSION = 1;

export interface EventInput {
  type: string;
  /** ISO time; now by default. */
  at?: string;
  [field: string]: unknown;
}

export interface EventRecord {
  v: number;
  at: string;
  type: string;
  [field: string]: unknown;
}

export interface EventLog {
  readonly path: string;
  /** Appends one line. Synchronous, so it also works in an exit handler. Callers redact secrets first. */
  append(record: EventInput): void;
  /** Every complete line, in order; a torn last line (from a crash) is skipped. */
  read(): EventRecord[];
}

export function openEventLog(projectDir: string, options: { now?: () => Date } = {}): EventLog {
  const path = eventsPath(projectDir);
  const now = options.now ?? (() => new Date());
  let first = true;
  return {
    path,
    append(record) {
      // `v`, `at` and `type` lead every line and cannot be overridden by a field.
      const { type, at, v: _v, ...fields } = record;
      const line = `${terminalSafeJson({ v: EVENT_LOG_VERSION, at: at ?? now().toISOString(), type, ...fields })}\n`;
      // Never through a planted link. The first line of this process starts on a line of its own, in case
      // the last one was torn by a crash (later lines follow whole lines; checking each time would race with
      // other writers' lines in flight).
      appendProjectFile(projectDir, path, line, { lineStart: first });
      first = false;
    },
    read() {
      const text = readProjectFile(projectDir, path);
      if (text === undefined) return [];
      const records: EventRecord[] = [];
      for (const line of text.split('\n')) {
        if (line.trim() === '') continue;
        const record = parseLine(line);
        // A line cut short by a crash is skipped; the rest of the log is still good.
        if (record !== undefined) records.push(record);
      }
      return records;
    },
  };
}

/**
 * One line of the log. A line a crash cut short may have the next event glued to it (written by a harness
 * that did not know): the event after the tear is still read.
 */
function parseLine(line: string): EventRecord | undefined {
  for (let start = 0; start !== -1; start = line.indexOf('{"v":', start + 1)) {
    try {
      const value: unknown = JSON.parse(start === 0 ? line : line.slice(start));
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as EventRecord;
      return undefined;
    } catch {
      // Try from the next event start.
    }
  }
  return undefined;
}

/** With --json, every event also goes to `out` (stdout) as the same JSON line that events.jsonl gets. */
export function teeEvents(log: EventLog, out: NodeJS.WritableStream | undefined): EventLog {
  if (out === undefined) return log;
  return {
    path: log.path,
    read: () => log.read(),
    append(record) {
      const at = record.at ?? new Date().toISOString();
      log.append({ ...record, at });
      const { type, v: _v, at: _at, ...fields } = record;
      out.write(`${terminalSafeJson({ v: EVENT_LOG_VERSION, at, type, ...fields })}\n`);
    },
  };
}
