import { execFileSync } from 'node:child_process';
import { closeSync } from 'node:fs';
import {
  link,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UnsafePathError } from '../../src/state/errors.js';
import { type IntegrityNotice, onIntegrityNotice } from '../../src/state/integrity.js';
import {
  appendProjectFile,
  ensureProjectFolder,
  openOwnProjectFile,
  readOwnProjectFile,
  readProjectFile,
  writeProjectFileAtomic,
} from '../../src/state/safe-fs.js';
import { distModule, runNode } from './helpers.js';

let base: string;
let project: string;
let outside: string;
let notices: IntegrityNotice[];
let stop: () => void;

beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'safe-fs-'));
  project = join(base, 'project');
  outside = join(base, 'outside');
  await mkdir(project);
  await mkdir(outside);
  await writeFile(join(outside, 'secret.txt'), 'TOP SECRET\n');
  notices = [];
  stop = onIntegrityNotice((notice) => notices.push(notice));
});
afterEach(async () => {
  stop();
  await rm(base, { recursive: true, force: true });
});

const secret = () => join(outside, 'secret.txt');
const secretText = () => readFile(secret(), 'utf8');

describe('reading a project file', () => {
  it('reads a plain file, and undefined when it does not exist', async () => {
    await writeFile(join(project, 'notes.txt'), 'hello');
    expect(readProjectFile(project, join(project, 'notes.txt'))).toBe('hello');
    expect(readProjectFile(project, 'missing.txt')).toBeUndefined();
    expect(readProjectFile(project, '.claude-harness/state.json')).toBeUndefined();
    expect(notices).toEqual([]);
  });

  it('never reads through a link to a file outside: the link is removed and reported', async () => {
    await symlink(secret(), join(project, 'claude-progress.txt'));
    expect(readProjectFile(project, join(project, 'claude-progress.txt'))).toBeUndefined();
    await expect(lstat(join(project, 'claude-progress.txt'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(notices).toEqual([
      {
        kind: 'link',
        file: 'claude-progress.txt',
        target: secret(),
        message: `claude-progress.txt was a symbolic link to ${JSON.stringify(secret())}: the harness did not follow it and removed it without reading through it`,
      },
    ]);
    expect(await secretText()).toBe('TOP SECRET\n');
  });

  it('never reads through a linked folder on the way', async () => {
    await writeFile(join(outside, 'state.json'), '{"outside": true}');
    await symlink(outside, join(project, '.claude-harness'));
    expect(readProjectFile(project, '.claude-harness/state.json')).toBeUndefined();
    expect(notices.map((n) => [n.kind, n.file])).toEqual([['link', '.claude-harness']]);
    expect(await readdir(outside)).toEqual(['secret.txt', 'state.json']);
  });

  it('does not read a hard link to a file outside (only the project name goes)', async () => {
    await link(secret(), join(project, 'feature_list.json'));
    expect(readProjectFile(project, 'feature_list.json')).toBeUndefined();
    expect(notices).toMatchObject([{ kind: 'not-a-file', file: 'feature_list.json' }]);
    expect(notices[0]?.message).toContain('a hard link (2 names)');
    expect(await secretText()).toBe('TOP SECRET\n');
    expect((await stat(secret())).nlink).toBe(1);
  });

  it('does not hang on a FIFO', async () => {
    execFileSync('mkfifo', [join(project, 'claude-progress.txt')]);
    expect(readProjectFile(project, 'claude-progress.txt')).toBeUndefined();
    expect(notices[0]?.message).toContain('was a FIFO');
  });

  it('refuses paths outside the project', () => {
    expect(() => readProjectFile(project, join(outside, 'secret.txt'))).toThrow(UnsafePathError);
    expect(() => readProjectFile(project, '../outside/secret.txt')).toThrow(UnsafePathError);
  });
});

describe("reading a file of the project's own (openOwnProjectFile / readOwnProjectFile)", () => {
  it('reads a plain file whole, its start or its end', async () => {
    await writeFile(join(project, 'a.txt'), '0123456789');
    expect(readOwnProjectFile(project, 'a.txt', 100)).toMatchObject({ kind: 'ok', size: 10 });
    const start = readOwnProjectFile(project, 'a.txt', 4);
    expect(start.kind === 'ok' && start.bytes.toString()).toBe('0123');
    const end = readOwnProjectFile(project, join(project, 'a.txt'), 4, { fromEnd: true });
    expect(end.kind === 'ok' && end.bytes.toString()).toBe('6789');
    expect(readOwnProjectFile(project, 'nope/b.txt', 4)).toEqual({ kind: 'missing' });
  });

  it('refuses a link, a file in a linked folder, a hard link and a FIFO, and changes nothing', async () => {
    await symlink(secret(), join(project, 'link.txt'));
    await symlink(outside, join(project, 'dir'));
    await writeFile(join(project, 'own.txt'), 'mine');
    await link(join(project, 'own.txt'), join(project, 'twin.txt'));
    execFileSync('mkfifo', [join(project, 'pipe')]);
    const reasons = ['link.txt', 'dir/secret.txt', 'twin.txt', 'pipe'].map((f) => {
      const read = readOwnProjectFile(project, f, 100);
      return read.kind === 'refused' ? read.reason : read.kind;
    });
    expect(reasons).toEqual([
      'link.txt is a symbolic link: the harness reads only real files in the project',
      'dir is a symbolic link: the harness reads only real files in the project',
      'twin.txt is a hard link (2 names): the harness reads only real files in the project',
      'pipe is a FIFO: the harness reads only real files in the project',
    ]);
    expect(JSON.stringify(reasons)).not.toContain('TOP SECRET');
    // Nothing was removed or reported: these files are the project's, not the harness's.
    expect((await lstat(join(project, 'link.txt'))).isSymbolicLink()).toBe(true);
    expect((await lstat(join(project, 'dir'))).isSymbolicLink()).toBe(true);
    expect((await stat(join(project, 'own.txt'))).nlink).toBe(2);
    expect(notices).toEqual([]);
    expect(await secretText()).toBe('TOP SECRET\n');
  });

  it('hands out an open descriptor that the caller closes', async () => {
    await writeFile(join(project, 'a.txt'), 'abc');
    const opened = openOwnProjectFile(project, 'a.txt');
    expect(opened).toMatchObject({ kind: 'ok', size: 3 });
    if (opened.kind === 'ok') closeSync(opened.fd);
  });
});

describe('writing a project file atomically', () => {
  it('writes, keeps the mode of the old file and leaves no temp file', async () => {
    await writeFile(join(project, 'feature_list.json'), 'old', { mode: 0o600 });
    writeProjectFileAtomic(project, join(project, 'feature_list.json'), 'new');
    expect(await readFile(join(project, 'feature_list.json'), 'utf8')).toBe('new');
    expect((await stat(join(project, 'feature_list.json'))).mode & 0o777).toBe(0o600);
    expect(await readdir(project)).toEqual(['feature_list.json']);
  });

  it('creates missing folders', async () => {
    writeProjectFileAtomic(project, '.claude-harness/state.json', '{}');
    expect(await readFile(join(project, '.claude-harness', 'state.json'), 'utf8')).toBe('{}');
  });

  it('replaces a planted link with the real file and leaves the outside file alone', async () => {
    await symlink(secret(), join(project, 'feature_list.json'));
    writeProjectFileAtomic(project, join(project, 'feature_list.json'), '[]\n');
    expect((await lstat(join(project, 'feature_list.json'))).isFile()).toBe(true);
    expect(await readFile(join(project, 'feature_list.json'), 'utf8')).toBe('[]\n');
    expect(await secretText()).toBe('TOP SECRET\n');
    expect(notices).toMatchObject([{ kind: 'link', file: 'feature_list.json', target: secret() }]);
    expect(notices[0]?.message).toContain('replaced it with the real file');
  });

  it('replaces a linked folder with a real one (the outside folder is untouched)', async () => {
    await symlink(outside, join(project, '.claude-harness'));
    writeProjectFileAtomic(project, '.claude-harness/state.json', '{}');
    expect((await lstat(join(project, '.claude-harness'))).isDirectory()).toBe(true);
    expect(await readdir(outside)).toEqual(['secret.txt']);
    expect(notices).toMatchObject([{ kind: 'link', file: '.claude-harness', target: outside }]);
  });

  it('replaces a hard link without changing the other name', async () => {
    await link(secret(), join(project, 'feature_list.json'));
    writeProjectFileAtomic(project, 'feature_list.json', '[]');
    expect(await secretText()).toBe('TOP SECRET\n');
    expect(await readFile(join(project, 'feature_list.json'), 'utf8')).toBe('[]');
    expect(notices).toMatchObject([{ kind: 'not-a-file', file: 'feature_list.json' }]);
  });

  it('moves aside a folder where a file belongs, and a file where a folder belongs', async () => {
    await mkdir(join(project, 'feature_list.json'));
    writeProjectFileAtomic(project, 'feature_list.json', '[]');
    expect(await readFile(join(project, 'feature_list.json'), 'utf8')).toBe('[]');
    await writeFile(join(project, '.claude-harness'), 'x');
    expect(readProjectFile(project, '.claude-harness/state.json')).toBeUndefined();
    writeProjectFileAtomic(project, '.claude-harness/state.json', '{}');
    expect(await readFile(join(project, '.claude-harness', 'state.json'), 'utf8')).toBe('{}');
    const aside = (await readdir(project)).filter((name) => name.includes('.moved-aside-')).sort();
    expect(aside).toHaveLength(2);
    expect(notices.map((n) => n.message)).toEqual([
      expect.stringMatching(
        /^feature_list\.json was a folder: the harness did not use it and moved it aside as feature_list\.json\.moved-aside-/,
      ),
      '.claude-harness was a file where the harness keeps a folder: the harness did not look inside',
      expect.stringMatching(
        /^\.claude-harness was a file where the harness keeps a folder: the harness moved it aside as \.claude-harness\.moved-aside-/,
      ),
    ]);
  });
});

describe('appending to a project file', () => {
  it('appends, creating the file and its folder', async () => {
    appendProjectFile(project, '.claude-harness/events.jsonl', 'a\n');
    appendProjectFile(project, '.claude-harness/events.jsonl', 'b\n');
    expect(await readFile(join(project, '.claude-harness', 'events.jsonl'), 'utf8')).toBe('a\nb\n');
  });

  it('starts on a new line after a line torn by a crash, when asked to', async () => {
    await mkdir(join(project, '.claude-harness'));
    await writeFile(join(project, '.claude-harness', 'events.jsonl'), '{"v":1}\n{"v":1,"ty');
    appendProjectFile(project, '.claude-harness/events.jsonl', '{"v":1}\n', { lineStart: true });
    expect(await readFile(join(project, '.claude-harness', 'events.jsonl'), 'utf8')).toBe(
      '{"v":1}\n{"v":1,"ty\n{"v":1}\n',
    );
  });

  it('never appends through a link: the outside file is unchanged and a file of our own takes its place', async () => {
    await symlink(secret(), join(project, '.gitignore'));
    appendProjectFile(project, join(project, '.gitignore'), '.claude-harness/\n');
    expect(await secretText()).toBe('TOP SECRET\n');
    expect(await readFile(join(project, '.gitignore'), 'utf8')).toBe('.claude-harness/\n');
    expect(notices).toMatchObject([{ kind: 'link', file: '.gitignore', target: secret() }]);
  });

  it('never appends to a hard link', async () => {
    await link(secret(), join(project, '.gitignore'));
    appendProjectFile(project, '.gitignore', 'x\n');
    expect(await secretText()).toBe('TOP SECRET\n');
    expect(await readFile(join(project, '.gitignore'), 'utf8')).toBe('x\n');
  });

  it('a link with a relative target is reported as it was written, not resolved', async () => {
    await symlink('../outside/secret.txt', join(project, 'claude-progress.txt'));
    appendProjectFile(project, 'claude-progress.txt', 'x');
    expect(notices[0]).toMatchObject({ target: '../outside/secret.txt' });
    expect(await readlink(secret()).catch((e: NodeJS.ErrnoException) => e.code)).toBe('EINVAL');
  });
});

describe('ensureProjectFolder', () => {
  it('makes the folder, replacing a link to an outside one', async () => {
    await symlink(outside, join(project, '.claude-harness'));
    expect(ensureProjectFolder(project, '.claude-harness')).toBe(join(project, '.claude-harness'));
    expect((await lstat(join(project, '.claude-harness'))).isDirectory()).toBe(true);
    expect(notices).toHaveLength(1);
  });
});

describe('a command that never listens for notices', () => {
  it('still says on stderr what was repaired', async () => {
    await symlink(secret(), join(project, 'claude-progress.txt'));
    const { code, stderr } = await runNode(
      `const { readProjectFile } = await import(${JSON.stringify(distModule('state/safe-fs.js'))});
       readProjectFile(process.argv[1], 'claude-progress.txt');`,
      [project],
    );
    expect(code).toBe(0);
    expect(stderr).toBe(
      `claude-harness: claude-progress.txt was a symbolic link to ${JSON.stringify(secret())}: the harness did not follow it and removed it without reading through it\n`,
    );
  });
});
