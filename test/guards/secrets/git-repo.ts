import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { tempDir } from '../../helpers/engine-env.js';

const run = promisify(execFile);

/** A fresh git repository in a temp folder, removed by `await using`. */
export async function tempRepo() {
  const dir = await tempDir('ch-secrets-repo-');
  const git = async (...args: string[]) =>
    (
      await run(
        'git',
        [
          '-c',
          'user.name=Test',
          '-c',
          'user.email=test@example.invalid',
          '-c',
          'commit.gpgsign=false',
          ...args,
        ],
        { cwd: dir.path, env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' } },
      )
    ).stdout;
  await git('init', '-q');
  const write = async (path: string, content: string | Buffer) => {
    await mkdir(dirname(join(dir.path, path)), { recursive: true });
    await writeFile(join(dir.path, path), content);
  };
  return { path: dir.path, git, write, [Symbol.asyncDispose]: () => dir[Symbol.asyncDispose]() };
}
