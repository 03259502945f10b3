/**
 * The harness's records (state.json, features.json, planned-spec.sha256) and their last good copies.
 *
 * Every write of a record that passed its schema also writes `<file>.last-good`. When a record cannot be
 * read later (garbage, cut short, the wrong shape, deleted), its last good copy takes its place: the bad
 * file is moved aside as `<file>.corrupt-<time>`, the record is restored and one notice says what happened
 * (integrity.ts). When the copy is bad too, the caller rebuilds the record from what else it has (the
 * events journal, the feature list and the proofs) or stops with RecordUnrecoverableError.
 */
import { lstatSync, renameSync } from 'node:fs';
import { basename } from 'node:path';
import { reportIntegrity } from './integrity.js';
import { readProjectFile, writeProjectFileAtomic } from './safe-fs.js';

export type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string };

export type RecordRead<T> =
  | { kind: 'missing' }
  | { kind: 'ok'; value: T }
  /** The record could not be read; `problem` says why, in words that follow "it". */
  | { kind: 'bad'; problem: string };

export type RecoveredRead<T> =
  | { kind: 'missing' }
  | { kind: 'ok'; value: T }
  /** The record was bad or gone and was restored from its last good copy. */
  | { kind: 'recovered'; value: T }
  /** Neither the record nor its copy could be read: rebuild it (restoreRecord) or stop. */
  | { kind: 'lost'; problem: string };

export function lastGoodPath(path: string): string {
  return `${path}.last-good`;
}

/** Writes the record atomically, then its last good copy (the caller has validated `text`). */
export function writeRecord(projectDir: string, path: string, text: string): void {
  writeProjectFileAtomic(projectDir, path, text);
  writeProjectFileAtomic(projectDir, lastGoodPath(path), text);
}

/** Reads and parses one file (never through a link). */
export function readRecord<T>(
  projectDir: string,
  path: string,
  parse: (text: string) => Parsed<T>,
): RecordRead<T> {
  const text = readProjectFile(projectDir, path);
  if (text === undefined) return { kind: 'missing' };
  const parsed = parse(text);
  return parsed.ok ? { kind: 'ok', value: parsed.value } : { kind: 'bad', problem: parsed.problem };
}

/**
 * The record, restored from its last good copy when it is bad or missing while the copy is good. `missing`
 * only when neither exists (a project the harness never wrote this record for).
 */
export function readRecovering<T>(
  projectDir: string,
  path: string,
  parse: (text: string) => Parsed<T>,
  options: { now?: () => Date; serialize: (value: T) => string },
): RecoveredRead<T> {
  const main = readRecord(projectDir, path, parse);
  if (main.kind === 'ok') return main;
  const copy = readRecord(projectDir, lastGoodPath(path), parse);
  const problem = main.kind === 'bad' ? main.problem : 'it was deleted';
  if (copy.kind === 'ok') {
    restoreRecord(projectDir, path, options.serialize(copy.value), {
      problem,
      from: `its last good copy (${basename(lastGoodPath(path))})`,
      now: options.now,
    });
    return { kind: 'recovered', value: copy.value };
  }
  if (main.kind === 'missing' && copy.kind === 'missing') return { kind: 'missing' };
  const copyProblem =
    copy.kind === 'bad'
      ? `its last good copy is unreadable too (${copy.problem})`
      : 'there is no last good copy';
  return { kind: 'lost', problem: `${problem}, and ${copyProblem}` };
}

/**
 * Puts `text` in place of a bad record: the bad file is kept as `<file>.corrupt-<time>`, the record and its
 * copy are written, and one notice says what was wrong and where the record came from.
 */
export function restoreRecord(
  projectDir: string,
  path: string,
  text: string,
  how: { problem: string; from: string; now?: (() => Date) | undefined },
): void {
  const movedTo = moveAside(path, (how.now?.() ?? new Date()).toISOString());
  writeRecord(projectDir, path, text);
  const name = basename(path);
  reportIntegrity({
    kind: 'recovered',
    file: name,
    from: how.from,
    message: `${name} could not be read (${how.problem}); recovered from ${how.from}${
      movedTo === undefined ? '' : `. The unreadable file was kept as ${basename(movedTo)}`
    }`,
  });
}

/** Renames a bad record to `<file>.corrupt-<time>` (never overwriting one); undefined when there is none. */
function moveAside(path: string, now: string): string | undefined {
  try {
    lstatSync(path);
  } catch {
    return undefined;
  }
  const base = `${path}.corrupt-${now.replace(/:/g, '-')}`;
  for (let n = 1; ; n++) {
    const target = n === 1 ? base : `${base}-${n}`;
    let taken = true;
    try {
      lstatSync(target);
    } catch {
      taken = false;
    }
    if (taken) continue;
    // rename moves a link itself, never its target.
    renameSync(path, target);
    return target;
  }
}
