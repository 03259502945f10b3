/**
 * Reading and writing the files the harness keeps in a project (its records under `.claude-harness/`,
 * `feature_list.json`, the spec copy, the progress notes, `.gitignore`) without ever following a link.
 *
 * The agent can write the project, so it can plant a symbolic link where the harness reads or writes: the
 * harness, which is not sandboxed, would then overwrite, append to or read a file outside the project (and a
 * file read here can end up in the next prompt). So, for every access:
 *
 * - every folder from the project root down is checked with lstat: a real folder, not a link (a missing one
 *   is created when writing);
 * - the file itself is opened with O_NOFOLLOW (O_NONBLOCK too when reading, so a planted FIFO cannot hang
 *   the harness), must be a regular file with one name (a hard link to an outside file is refused), and on
 *   Linux the opened file's real path (/proc/self/fd) must still be inside the project;
 * - an atomic write creates its temporary file with O_EXCL | O_NOFOLLOW in the checked folder and renames
 *   it over the target (a rename replaces a link, it never writes through one).
 *
 * A planted link is removed, reported (see integrity.ts) with where it pointed, and replaced by the real file
 * when the harness writes; it is never read through: a read finds the file missing.
 */
import {
  closeSync,
  constants,
  fstatSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  readlinkSync,
  readSync,
  realpathSync,
  renameSync,
  type Stats,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';
import { UnsafePathError } from './errors.js';
import { reportIntegrity } from './integrity.js';

const { O_RDONLY, O_RDWR, O_WRONLY, O_CREAT, O_EXCL, O_APPEND, O_NOFOLLOW, O_NONBLOCK } = constants;

export interface AppendOptions {
  /** Start on a new line when the file does not end with one (a line torn by a crash stays its own line). */
  lineStart?: boolean;
}

/**
 * The text of `path` (a file inside `projectDir`), or `undefined` when it does not exist — or when it was a
 * link, a hard link or not a plain file: that is reported, and nothing outside the project is read.
 */
export function readProjectFile(projectDir: string, path: string): string | undefined {
  return readProjectBytes(projectDir, path)?.toString('utf8');
}

/** Like readProjectFile, as bytes. */
export function readProjectBytes(projectDir: string, path: string): Buffer | undefined {
  const at = locate(projectDir, path);
  if (!checkFolders(at, false)) return undefined;
  let fd: number;
  try {
    fd = openSync(at.absolute, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP' || code === 'EMLINK') {
      removePlantedLink(at, 'was not read');
      return undefined;
    }
    throw error;
  }
  try {
    if (!isOwnFile(at, fstatSync(fd), fd, 'was not read')) return undefined;
    return readFileSync(fd);
  } finally {
    closeSync(fd);
  }
}

export type ProjectFileRead =
  /** `size` is the whole file's; `bytes` at most the asked-for part. */
  | { kind: 'ok'; bytes: Buffer; size: number }
  | { kind: 'missing' }
  /** A link, hard link, folder or special file, or a path through a link: `reason` says which, for people. */
  | { kind: 'refused'; reason: string };

export type ProjectFileOpen =
  /** An open descriptor of a plain file inside the project; the caller closes it. */
  { kind: 'ok'; fd: number; size: number } | { kind: 'missing' } | { kind: 'refused'; reason: string };

/**
 * Opens a file of the project's own (a test file, a runner's config) — or one of the harness's records for
 * display (status, report) — without following a link and without changing anything: unlike
 * readProjectFile, a link or hard link is left where it is and refused with a reason.
 */
export function openOwnProjectFile(projectDir: string, path: string): ProjectFileOpen {
  const at = locate(projectDir, path);
  const refuse = (what: string): ProjectFileOpen => ({
    kind: 'refused',
    reason: `${what}: the harness reads only real files in the project`,
  });
  let current = at.root;
  for (const segment of at.segments.slice(0, -1)) {
    current = join(current, segment);
    const stats = lstatOrUndefined(current);
    if (stats === undefined) return { kind: 'missing' };
    const shown = relative(at.root, current).split(sep).join('/');
    if (stats.isSymbolicLink()) return refuse(`${shown} is a symbolic link`);
    if (!stats.isDirectory()) return { kind: 'missing' };
  }
  let fd: number;
  try {
    fd = openSync(at.absolute, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { kind: 'missing' };
    if (code === 'ELOOP' || code === 'EMLINK') return refuse(`${at.shown} is a symbolic link`);
    throw error;
  }
  let problem: string | undefined;
  const stats = fstatSync(fd);
  if (!stats.isFile() || stats.nlink > 1) problem = `${at.shown} is ${describe(stats)}`;
  else {
    try {
      assertInside(at, fd);
    } catch {
      problem = `${at.shown} led outside the project while it was opened`;
    }
  }
  if (problem === undefined) return { kind: 'ok', fd, size: stats.size };
  closeSync(fd);
  return refuse(problem);
}

/** Reads at most `maxBytes` of a file opened as openOwnProjectFile does: its start, or its end. */
export function readOwnProjectFile(
  projectDir: string,
  path: string,
  maxBytes: number,
  options: { fromEnd?: boolean } = {},
): ProjectFileRead {
  const opened = openOwnProjectFile(projectDir, path);
  if (opened.kind !== 'ok') return opened;
  try {
    const length = Math.min(opened.size, maxBytes);
    const start = options.fromEnd ? opened.size - length : 0;
    const bytes = Buffer.alloc(length);
    let read = 0;
    while (read < length) {
      const n = readSync(opened.fd, bytes, read, length - read, start + read);
      if (n === 0) break;
      read += n;
    }
    return { kind: 'ok', bytes: bytes.subarray(0, read), size: opened.size };
  } finally {
    closeSync(opened.fd);
  }
}

/**
 * Replaces `path` (inside `projectDir`) with `data` atomically: a temporary file in the same, checked folder
 * renamed over it. A link or a hard link in its place is reported and replaced, never written through.
 */
export function writeProjectFileAtomic(projectDir: string, path: string, data: string | Buffer): void {
  const at = locate(projectDir, path);
  checkFolders(at, true);
  let mode = 0o666;
  const existing = lstatOrUndefined(at.absolute);
  if (existing?.isSymbolicLink()) {
    reportLink(at, readlinkOrUnknown(at.absolute), 'replaced it with the real file');
  } else if (existing?.isDirectory()) {
    moveAside(at, at.absolute, existing);
  } else if (existing !== undefined && (!existing.isFile() || existing.nlink > 1)) {
    reportNotAFile(at, existing, 'replaced it with a file of its own');
  } else if (existing !== undefined) {
    mode = existing.mode & 0o777;
  }
  const temp = join(at.folder, `.${at.name}.${process.pid}.${Math.random().toString(36).slice(2, 10)}.tmp`);
  const fd = openSync(temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode);
  try {
    try {
      writeAll(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
      fsyncSync(fd);
      assertInside(at, fd);
    } finally {
      closeSync(fd);
    }
    // The folders again, right before the rename: a folder swapped for a link meanwhile is caught here.
    checkFolders(at, false);
    renameSync(temp, at.absolute);
  } catch (error) {
    try {
      unlinkSync(temp);
    } catch {
      // Renamed already, or never created.
    }
    throw error;
  }
}

/**
 * Appends `data` to `path` (inside `projectDir`) with one write on a file opened with O_APPEND, creating it
 * when missing. A link in its place is reported and removed, and the data goes to a new file.
 */
export function appendProjectFile(
  projectDir: string,
  path: string,
  data: string,
  options: AppendOptions = {},
): void {
  const at = locate(projectDir, path);
  checkFolders(at, true);
  const fd = openForAppend(at);
  let own: boolean;
  try {
    const stats = fstatSync(fd);
    own = isOwnFile(at, stats, fd, 'removed it');
    if (own) {
      let text = data;
      if (options.lineStart && stats.size > 0) {
        const last = Buffer.alloc(1);
        readSync(fd, last, 0, 1, stats.size - 1);
        if (last[0] !== 0x0a) text = `\n${data}`;
      }
      writeAll(fd, Buffer.from(text, 'utf8'));
    }
  } finally {
    closeSync(fd);
  }
  // A hard link (or a FIFO) never gets the data: its name is gone now and a file of our own takes its place.
  if (!own) appendProjectFile(projectDir, path, data, options);
}

/** Makes sure the folder `path` (inside `projectDir`) exists as a real folder, replacing a planted link. */
export function ensureProjectFolder(projectDir: string, path: string): string {
  const at = locate(projectDir, join(path, '.keep'));
  checkFolders(at, true);
  return at.folder;
}

interface Located {
  /** The project's real path. */
  root: string;
  /** Path segments below the root; the last is the file. */
  segments: string[];
  absolute: string;
  folder: string;
  name: string;
  /** Project-relative, for messages. */
  shown: string;
}

function locate(projectDir: string, path: string): Located {
  const rel = isAbsolute(path) ? relative(projectDir, path) : path;
  const segments = rel.split(sep).filter((s) => s !== '' && s !== '.');
  if (rel.startsWith('..') || isAbsolute(rel) || segments.length === 0 || segments.includes('..')) {
    throw new UnsafePathError(`${path} is not a file inside the project ${projectDir}`);
  }
  const root = realpathSync(projectDir);
  const name = segments.at(-1) as string;
  const folder = join(root, ...segments.slice(0, -1));
  return { root, segments, absolute: join(folder, name), folder, name, shown: segments.join('/') };
}

/**
 * Walks the folders from the root to the file's folder. A link is removed (and reported), a missing folder
 * created when `create`; without `create`, false when a folder is missing (or was a link).
 */
function checkFolders(at: Located, create: boolean): boolean {
  let current = at.root;
  for (const segment of at.segments.slice(0, -1)) {
    current = join(current, segment);
    let stats = lstatOrUndefined(current);
    if (stats?.isSymbolicLink()) {
      const target = readlinkOrUnknown(current);
      unlinkSync(current);
      reportLink(
        { ...at, shown: relative(at.root, current).split(sep).join('/') },
        target,
        create ? 'made a real folder in its place' : 'removed it',
      );
      stats = undefined;
    }
    if (stats === undefined) {
      if (!create) return false;
      try {
        mkdirSync(current);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      stats = lstatSync(current);
    }
    if (!stats.isDirectory()) {
      // A file (or FIFO…) where the harness keeps a folder: moved aside when writing, never used.
      if (!create) {
        reportNotAFolder(at, current, stats, 'did not look inside');
        return false;
      }
      moveAside(at, current, stats);
      mkdirSync(current);
      stats = lstatSync(current);
      if (!stats.isDirectory()) throw new UnsafePathError(`${current} could not be made a folder`);
    }
  }
  return true;
}

/** Renames something that is in the way (a folder where a file belongs, or the reverse) and reports it. */
function moveAside(at: Located, path: string, stats: Stats): void {
  const aside = `${path}.moved-aside-${new Date().toISOString().replace(/:/g, '-')}-${process.pid}`;
  renameSync(path, aside);
  if (path === at.absolute) reportNotAFile(at, stats, `moved it aside as ${relative(at.root, aside)}`);
  else reportNotAFolder(at, path, stats, `moved it aside as ${relative(at.root, aside)}`);
}

function reportNotAFolder(at: Located, path: string, stats: Stats, action: string): void {
  const shown = relative(at.root, path).split(sep).join('/');
  reportIntegrity({
    kind: 'not-a-file',
    file: shown,
    message: `${shown} was ${describe(stats)} where the harness keeps a folder: the harness ${action}`,
  });
}

function openForAppend(at: Located): number {
  try {
    return openSync(at.absolute, O_RDWR | O_APPEND | O_CREAT | O_NOFOLLOW | O_NONBLOCK, 0o666);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EISDIR') {
      moveAside(at, at.absolute, lstatSync(at.absolute));
      return openSync(at.absolute, O_RDWR | O_APPEND | O_CREAT | O_NOFOLLOW | O_NONBLOCK, 0o666);
    }
    if (code !== 'ELOOP' && code !== 'EMLINK') throw error;
  }
  removePlantedLink(at, 'wrote a file of its own');
  // Not O_EXCL: reporting the link may have appended to this very file (events.jsonl) already.
  return openSync(at.absolute, O_RDWR | O_APPEND | O_CREAT | O_NOFOLLOW | O_NONBLOCK, 0o666);
}

/**
 * True for a regular file with a single name inside the project. Otherwise it is reported and false: a hard
 * link, FIFO or socket loses its name in the project (the other name of a hard link keeps its content); a
 * folder is left for a write to move aside.
 */
function isOwnFile(at: Located, stats: Stats, fd: number, action: string): boolean {
  if (stats.isFile() && stats.nlink <= 1) {
    assertInside(at, fd);
    return true;
  }
  if (stats.isFile() || stats.isFIFO() || stats.isSocket() || stats.isCharacterDevice()) {
    // Only the name in the project goes; the other name of a hard link keeps its content.
    unlinkSync(at.absolute);
  } else if (stats.isDirectory()) {
    reportNotAFile(at, stats, 'did not read it');
    return false;
  }
  reportNotAFile(at, stats, action === 'was not read' ? 'removed it without reading it' : 'removed it');
  return false;
}

/** On Linux the opened file's real path must be inside the project (a folder swapped meanwhile is caught). */
function assertInside(at: Located, fd: number): void {
  let real: string;
  try {
    real = readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return;
  }
  if (real.startsWith(`${at.root}${sep}`)) return;
  throw new UnsafePathError(
    `${at.shown} led outside the project (to ${JSON.stringify(real)}) while claude-harness opened it: something is swapping the project's folders for links; stop it and rerun`,
  );
}

function removePlantedLink(at: Located, action: string): void {
  const stats = lstatOrUndefined(at.absolute);
  if (!stats?.isSymbolicLink()) {
    throw new UnsafePathError(`${at.shown}: could not open it without following a link`);
  }
  const target = readlinkOrUnknown(at.absolute);
  unlinkSync(at.absolute);
  reportLink(at, target, action === 'was not read' ? 'removed it without reading through it' : action);
}

function reportLink(at: Located, target: string, action: string): void {
  reportIntegrity({
    kind: 'link',
    file: at.shown,
    target,
    message: `${at.shown} was a symbolic link to ${JSON.stringify(target)}: the harness did not follow it and ${action}`,
  });
}

function reportNotAFile(at: Located, stats: Stats, action: string): void {
  reportIntegrity({
    kind: 'not-a-file',
    file: at.shown,
    message: `${at.shown} was ${describe(stats)}: the harness did not use it and ${action}`,
  });
}

function describe(stats: Stats): string {
  if (stats.isFile()) return stats.nlink > 1 ? `a hard link (${stats.nlink} names)` : 'a file';
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isDirectory()) return 'a folder';
  return 'not a plain file';
}

function writeAll(fd: number, bytes: Buffer): void {
  let written = writeSync(fd, bytes);
  // A short write only happens when the disk is full; finish rather than leave a torn record.
  while (written < bytes.length) written += writeSync(fd, bytes, written);
}

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function readlinkOrUnknown(path: string): string {
  try {
    return readlinkSync(path);
  } catch {
    return '(unknown)';
  }
}
