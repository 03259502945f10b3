import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileToolGuard } from '../../src/guards/file-tools.js';
import { decide } from '../../src/guards/pre-tool-use.js';
import type { GuardContext, GuardDecision } from '../../src/guards/types.js';

let root: string;
let context: GuardContext;

beforeAll(() => {
  root = realpathSync(mkdtempSync(join(tmpdir(), 'ch-files-')));
  const projectDir = join(root, 'app');
  mkdirSync(join(projectDir, 'src'), { recursive: true });
  mkdirSync(join(projectDir, '.claude-harness'));
  mkdirSync(join(root, 'outside'));
  writeFileSync(join(root, 'outside', 'secret.txt'), 'x');
  writeFileSync(join(projectDir, '.claude-harness', 'state.json'), '{}');
  symlinkSync(join(root, 'outside'), join(projectDir, 'link'));
  context = { projectDir, stateDir: join(projectDir, '.claude-harness') };
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function call(toolName: string, input: Record<string, unknown>): Promise<GuardDecision> {
  return decide([fileToolGuard()], { toolName, input }, context);
}

describe('path-confinement', () => {
  it('allows in-project paths, relative and absolute', async () => {
    const { projectDir } = context;
    for (const [tool, input] of [
      ['Read', { file_path: join(projectDir, 'src/a.ts') }],
      ['Read', { file_path: 'src/a.ts' }],
      ['Write', { file_path: join(projectDir, 'src/new.ts'), content: 'x' }],
      ['Edit', { file_path: 'src/a.ts', old_string: 'a', new_string: 'b' }],
      ['MultiEdit', { file_path: join(projectDir, 'src/a.ts'), edits: [] }],
      ['NotebookEdit', { notebook_path: join(projectDir, 'n.ipynb'), new_source: '' }],
      ['Glob', { pattern: 'src/**/*.ts' }],
      ['Glob', { pattern: '**/*.ts', path: join(projectDir, 'src') }],
      ['Grep', { pattern: 'TODO' }],
      ['Grep', { pattern: 'TODO', path: 'src' }],
      ['LS', { path: projectDir }],
      ['Read', { file_path: join(projectDir, '.claude-harness/state.json') }],
      ['Bash', { command: 'rm -rf /' }],
    ] as const) {
      expect(await call(tool, input), `${tool} ${JSON.stringify(input)}`).toEqual({ decision: 'allow' });
    }
  });

  it.each([
    ['Read', { file_path: '/etc/passwd' }, 'read-outside-project'],
    ['Write', { file_path: '/tmp/x.txt', content: 'x' }, 'write-outside-project'],
    [
      'Edit',
      { file_path: '../outside/secret.txt', old_string: 'x', new_string: 'y' },
      'write-outside-project',
    ],
    ['Read', { file_path: 'link/secret.txt' }, 'read-outside-project'],
    ['Write', { file_path: 'link/new-file.txt', content: 'x' }, 'write-outside-project'],
    ['Read', { file_path: '/proc/self/root/etc/passwd' }, 'path-outside-project'],
    ['Write', { file_path: '~/.bashrc', content: 'x' }, 'path-outside-project'],
    ['Write', { file_path: '.claude-harness/state.json', content: '{}' }, 'protected-path'],
    ['Edit', { file_path: '.claude-harness/state.json', old_string: 'a', new_string: 'b' }, 'protected-path'],
    ['MultiEdit', { file_path: '.claude-harness/x', edits: [] }, 'protected-path'],
    ['NotebookEdit', { notebook_path: '.claude-harness/n.ipynb', new_source: '' }, 'protected-path'],
    ['Write', { file_path: '.git/hooks/pre-commit', content: 'x' }, 'protected-path'],
    ['Edit', { file_path: 'claude-harness.json', old_string: 'a', new_string: 'b' }, 'protected-path'],
    ['Glob', { pattern: '/etc/**' }, 'glob-outside-project'],
    ['Glob', { pattern: '../**/*.ts' }, 'glob-outside-project'],
    ['Glob', { pattern: '*.ts', path: '/etc' }, 'read-outside-project'],
    ['Grep', { pattern: 'x', path: '/home' }, 'read-outside-project'],
    ['LS', { path: '/' }, 'read-outside-project'],
    ['Read', {}, 'missing-path'],
    ['Write', { file_path: 42 }, 'bad-path'],
  ] as const)('%s %j → %s', async (tool, input, rule) => {
    const decision = await call(tool, input);
    expect(decision).toMatchObject({ decision: 'deny', guard: 'path-confinement', rule });
    if (decision.decision === 'deny') expect(decision.reason).toMatch(/inside|read-only|hook|path|project/);
  });
});
