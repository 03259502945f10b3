import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isHarnessState, protectedWriteReason, resolveInProject } from '../../src/guards/paths.js';

let root: string;
let project: string;
let outside: string;

beforeAll(() => {
  root = realpathSync(mkdtempSync(join(tmpdir(), 'ch-paths-')));
  project = join(root, 'app');
  outside = join(root, 'outside');
  mkdirSync(join(project, 'src'), { recursive: true });
  mkdirSync(join(project, '.git', 'hooks'), { recursive: true });
  mkdirSync(outside);
  writeFileSync(join(outside, 'secret.txt'), 'x');
  symlinkSync(outside, join(project, 'link'));
  symlinkSync('../outside/secret.txt', join(project, 'relative-link'));
  symlinkSync(join(project, 'src'), join(project, 'src-link'));
  symlinkSync('/proc/self/cwd', join(project, 'proc-link'));
  symlinkSync(join(project, 'loop-a'), join(project, 'loop-b'));
  symlinkSync(join(project, 'loop-b'), join(project, 'loop-a'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('resolveInProject', () => {
  it('accepts relative and absolute paths inside the project, existing or not', () => {
    expect(resolveInProject(project, 'src/a.ts')).toEqual({
      inside: true,
      resolved: join(project, 'src/a.ts'),
    });
    expect(resolveInProject(project, join(project, 'new/deep/file.txt'))).toEqual({
      inside: true,
      resolved: join(project, 'new/deep/file.txt'),
    });
    expect(resolveInProject(project, '.')).toEqual({ inside: true, resolved: project });
    expect(resolveInProject(project, 'a.ts', join(project, 'src'))).toEqual({
      inside: true,
      resolved: join(project, 'src/a.ts'),
    });
    expect(resolveInProject(project, 'src-link/x.ts').resolved).toBe(join(project, 'src/x.ts'));
  });

  it('refuses absolute paths outside and `..` climbing out', () => {
    expect(resolveInProject(project, '/etc/passwd')).toEqual({ inside: false, resolved: '/etc/passwd' });
    expect(resolveInProject(project, '../outside/secret.txt')).toMatchObject({
      inside: false,
      resolved: join(outside, 'secret.txt'),
    });
    expect(resolveInProject(project, 'src/../../outside')).toMatchObject({ inside: false });
  });

  it('follows symlinks made in the project, also for files not yet written beneath them', () => {
    expect(resolveInProject(project, 'link/secret.txt')).toEqual({
      inside: false,
      resolved: join(outside, 'secret.txt'),
    });
    expect(resolveInProject(project, 'link/new-file.txt')).toEqual({
      inside: false,
      resolved: join(outside, 'new-file.txt'),
    });
    expect(resolveInProject(project, 'relative-link')).toEqual({
      inside: false,
      resolved: join(outside, 'secret.txt'),
    });
    // `..` after a symlink goes up from the link's target, as the kernel does.
    expect(resolveInProject(project, 'link/../app/src').resolved).toBe(join(project, 'src'));
    expect(resolveInProject(project, 'src-link/../../outside').inside).toBe(false);
  });

  it('refuses ~, /proc and /dev/fd tricks with a reason', () => {
    for (const path of ['~/.bashrc', '~root/x', '~']) {
      const result = resolveInProject(project, path);
      expect(result.inside).toBe(false);
      expect(result.reason).toContain('home folder');
    }
    for (const path of [
      '/proc/self/root/etc/passwd',
      `/proc/self/cwd/src/a.ts`,
      '/proc/1/root',
      '/dev/fd/3',
      'proc-link/x',
    ]) {
      const result = resolveInProject(project, path);
      expect(result.inside, path).toBe(false);
      expect(result.reason, path).toBeDefined();
    }
    const up = project
      .split('/')
      .slice(1)
      .map(() => '..')
      .join('/');
    expect(resolveInProject(project, `${up}/proc/self/root/etc`).reason).toContain('/proc');
  });

  it('gives up on symlink loops', () => {
    const result = resolveInProject(project, 'loop-a/x');
    expect(result.inside).toBe(false);
    expect(result.reason).toContain('symlinks');
  });
});

describe('protected places', () => {
  it('knows the harness state folder', () => {
    expect(isHarnessState(project, join(project, '.claude-harness'))).toBe(true);
    expect(isHarnessState(project, join(project, '.claude-harness/state.json'))).toBe(true);
    expect(isHarnessState(project, join(project, '.claude-harness-other'))).toBe(false);
    expect(isHarnessState(project, join(project, 'src'))).toBe(false);
  });

  it('refuses writes to the state folder, git hooks and .git/config only', () => {
    expect(protectedWriteReason(project, join(project, '.claude-harness/x'))).toContain('read-only');
    expect(protectedWriteReason(project, join(project, '.git/hooks/pre-commit'))).toContain('git hook');
    expect(protectedWriteReason(project, join(project, '.git/config'))).toContain('.git/config');
    expect(protectedWriteReason(project, join(project, 'claude-harness.json'))).toContain(
      'only the user edits it',
    );
    expect(protectedWriteReason(project, join(project, '.git/index'))).toBeUndefined();
    expect(protectedWriteReason(project, join(project, 'src/a.ts'))).toBeUndefined();
  });
});
