import { symlink } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { ExitCode, HarnessError } from '../../../src/errors/index.js';
import { SecretsFoundError } from '../../../src/guards/secrets/errors.js';
import {
  assertNoStagedSecrets,
  parseAddedLines,
  scanStagedDiff,
  unquoteC,
} from '../../../src/guards/secrets/staged.js';
import { AWS_KEY_ID, GITHUB_TOKEN, PEM_HEADER } from './fixtures.js';
import { tempRepo } from './git-repo.js';

describe('scanStagedDiff', () => {
  it('scans only added lines and maps hits to the new line numbers', async () => {
    await using repo = await tempRepo();
    await repo.write('src/app.ts', `${['one', 'two', 'three', 'four'].join('\n')}\n`);
    await repo.git('add', '.');
    await repo.git('commit', '-q', '-m', 'first');
    await repo.write(
      'src/app.ts',
      `one\ntwo\nconst t = "${GITHUB_TOKEN}";\nthree\nfour\nid = ${AWS_KEY_ID}\n`,
    );
    expect(await scanStagedDiff(repo.path)).toEqual([]); // not staged yet
    await repo.git('add', 'src/app.ts');
    const hits = await scanStagedDiff(repo.path);
    expect(hits.map((h) => [h.file, h.line, h.column, h.ruleId])).toEqual([
      ['src/app.ts', 3, 12, 'github'],
      ['src/app.ts', 6, 6, 'aws'],
    ]);
  });

  it('works before the first commit, skips binary files, follows renames and odd names', async () => {
    await using repo = await tempRepo();
    await repo.write('bin.dat', Buffer.from([0, 1, 2, ...Buffer.from(GITHUB_TOKEN), 0]));
    await repo.write('with space.txt', `token ${GITHUB_TOKEN}\n`);
    await repo.write('é"q\tx.txt', `${PEM_HEADER}\n`);
    await repo.git('add', '.');
    const first = await scanStagedDiff(repo.path);
    expect(first.map((h) => [h.file, h.line, h.ruleId])).toEqual([
      ['with space.txt', 1, 'github'],
      ['é"q\tx.txt', 1, 'private-key-header'],
    ]);
    await repo.git('commit', '-q', '-m', 'first', '--no-verify');
    await repo.git('mv', 'with space.txt', 'renamed.txt');
    expect(await scanStagedDiff(repo.path)).toEqual([]); // a pure rename adds no line
    await repo.write('renamed.txt', `token ${GITHUB_TOKEN}\nmore\n`);
    await repo.git('add', 'renamed.txt');
    expect(await scanStagedDiff(repo.path)).toEqual([]); // the token line is unchanged
  });

  it('reports paths relative to the project folder when it is a subfolder of the repository', async () => {
    await using repo = await tempRepo();
    await repo.write('app/src/a.ts', `x = "${GITHUB_TOKEN}"\n`);
    await repo.write('other/b.ts', `y = "${GITHUB_TOKEN}"\n`);
    await repo.git('add', '.');
    const hits = await scanStagedDiff(`${repo.path}/app`, {
      allow: [{ path: 'src/a.ts', rule: 'github', reason: 'fixture' }],
    });
    expect(hits.map((h) => h.file)).toEqual(['../other/b.ts']);
  });

  it('includes unstaged tracked changes and untracked files on request', async () => {
    await using repo = await tempRepo();
    await repo.write('a.txt', 'a\n');
    await repo.git('add', '.');
    await repo.git('commit', '-q', '-m', 'first');
    await repo.write('a.txt', `a\n${GITHUB_TOKEN}\n`);
    await repo.write('new.txt', `\n\n${AWS_KEY_ID}\n`);
    await repo.write('.gitignore', 'ignored.txt\n');
    await repo.write('ignored.txt', GITHUB_TOKEN);
    await symlink('/etc/passwd', `${repo.path}/link`);
    expect(await scanStagedDiff(repo.path)).toEqual([]);
    const unstaged = await scanStagedDiff(repo.path, {}, { includeUnstaged: true });
    expect(unstaged.map((h) => [h.file, h.line])).toEqual([['a.txt', 2]]);
    const all = await scanStagedDiff(repo.path, {}, { includeUnstaged: true, includeUntracked: true });
    expect(all.map((h) => [h.file, h.line])).toEqual([
      ['a.txt', 2],
      ['new.txt', 3],
    ]);
  });

  it('assertNoStagedSecrets throws SecretsFoundError listing file:line with masked values', async () => {
    await using repo = await tempRepo();
    await repo.write('a.txt', `${GITHUB_TOKEN}\n`);
    await assertNoStagedSecrets(repo.path); // nothing staged
    await repo.git('add', '.');
    const error = await assertNoStagedSecrets(repo.path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretsFoundError);
    expect(error).toBeInstanceOf(HarnessError);
    const found = error as SecretsFoundError;
    expect(found.code).toBe('HARNESS_SECRETS');
    expect(found.exitCode).toBe(ExitCode.failure);
    expect(found.hits).toHaveLength(1);
    expect(found.message).toContain('a.txt:1 GitHub Token (ghp_… (40 chars)) [github]');
    expect(found.message).not.toContain(GITHUB_TOKEN);
  });

  it('fails with git’s message outside a repository', async () => {
    await expect(scanStagedDiff('/')).rejects.toThrow(/git rev-parse failed/);
  });
});

describe('parseAddedLines', () => {
  it('counts hunk lines, so an added line starting with "++" is not taken for a header', () => {
    const patch = [
      'diff --git a/x b/x',
      '--- a/x',
      '+++ b/x',
      '@@ -1,2 +1,3 @@',
      ' keep',
      '-old',
      '+++ not a header',
      '+new',
      '\\ No newline at end of file',
      'diff --git a/y b/y',
      'deleted file mode 100644',
      '--- a/y',
      '+++ /dev/null',
      '@@ -1 +0,0 @@',
      '-gone',
    ].join('\n');
    expect(parseAddedLines(patch)).toEqual([
      { path: 'x', lines: ['++ not a header', 'new'], lineNumbers: [2, 3] },
    ]);
  });

  it('unquotes C-style paths', () => {
    expect(unquoteC('"b/\\303\\251\\t\\"x\\\\"')).toBe('b/é\t"x\\');
  });
});
