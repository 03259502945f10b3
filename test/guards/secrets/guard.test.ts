import { describe, expect, it } from 'vitest';
import { secretsGuard } from '../../../src/guards/secrets/guard.js';
import type { GuardContext, GuardDecision } from '../../../src/guards/types.js';
import { tempDir } from '../../helpers/engine-env.js';
import { AWS_KEY_ID, GITHUB_TOKEN, pemKey } from './fixtures.js';
import { tempRepo } from './git-repo.js';

const context = (projectDir: string): GuardContext => ({
  projectDir,
  stateDir: `${projectDir}/.claude-harness`,
});

function reasonOf(decision: GuardDecision): string {
  if (decision.decision !== 'deny') throw new Error('expected a denial');
  return decision.reason;
}

describe('secretsGuard', () => {
  it('denies a Write whose content holds a token, naming file and line, value masked', async () => {
    await using project = await tempDir('ch-proj-');
    const decision = await secretsGuard().check(
      {
        toolName: 'Write',
        input: {
          file_path: `${project.path}/src/config.ts`,
          content: `// config\nexport const t = '${GITHUB_TOKEN}';\n`,
        },
      },
      context(project.path),
    );
    expect(decision).toMatchObject({ decision: 'deny', guard: 'secrets', rule: 'secret-in-file' });
    const reason = reasonOf(decision);
    expect(reason).toContain('src/config.ts:2:19 GitHub Token (ghp_… (40 chars)) [github]');
    expect(reason).toContain('environment variable');
    expect(reason).toContain('claude-harness.json');
    expect(reason).not.toContain(GITHUB_TOKEN);
  });

  it('allows ordinary writes, other tools and allowed fixtures', async () => {
    await using project = await tempDir('ch-proj-');
    const guard = secretsGuard({ allow: [{ path: 'test/fixtures/**', reason: 'fake tokens' }] });
    const ctx = context(project.path);
    const write = (path: string, content: string) => ({
      toolName: 'Write',
      input: { file_path: path, content },
    });
    expect(await guard.check(write('src/a.ts', 'export const token = process.env.TOKEN;\n'), ctx)).toEqual({
      decision: 'allow',
    });
    expect(await guard.check(write('test/fixtures/t.txt', GITHUB_TOKEN), ctx)).toEqual({ decision: 'allow' });
    expect(await guard.check({ toolName: 'Read', input: { file_path: 'x' } }, ctx)).toEqual({
      decision: 'allow',
    });
    expect(await guard.check({ toolName: 'Bash', input: { command: `echo ${GITHUB_TOKEN}` } }, ctx)).toEqual({
      decision: 'allow',
    });
  });

  it('denies an Edit and reports the line where the edit lands in the file', async () => {
    await using repo = await tempRepo();
    await repo.write('app.py', 'a = 1\nb = 2\nKEY = None\n');
    const decision = await secretsGuard().check(
      {
        toolName: 'Edit',
        input: {
          file_path: `${repo.path}/app.py`,
          old_string: 'KEY = None',
          new_string: `KEY = "${AWS_KEY_ID}"`,
        },
      },
      context(repo.path),
    );
    expect(reasonOf(decision)).toContain('app.py:3:8 AWS Access Key ID (AKIA… (20 chars)) [aws]');
  });

  it('denies a MultiEdit when any edit adds a secret, and a NotebookEdit cell', async () => {
    await using project = await tempDir('ch-proj-');
    const ctx = context(project.path);
    const multi = await secretsGuard().check(
      {
        toolName: 'MultiEdit',
        input: {
          file_path: 'keys.ts',
          edits: [
            { old_string: 'a', new_string: 'b' },
            { old_string: 'c', new_string: `const key = \`${pemKey()}\`;` },
          ],
        },
      },
      ctx,
    );
    expect(reasonOf(multi)).toMatch(/keys\.ts:1:14 private key \(----… \(\d+ chars\)\) \[privatekey\]/);
    const notebook = await secretsGuard().check(
      {
        toolName: 'NotebookEdit',
        input: { notebook_path: 'nb.ipynb', new_source: `token = "${GITHUB_TOKEN}"` },
      },
      ctx,
    );
    expect(reasonOf(notebook)).toContain('in the new cell source');
    expect(reasonOf(notebook)).toContain('nb.ipynb:1:10');
  });
});
