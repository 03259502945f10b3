/**
 * Issue 12, item 6: commands the shell policy used to allow, tried by a scripted agent through the real SDK
 * and Claude Code CLI in the sandbox. Each is refused with the rule that closed the gap, none of its effects
 * happens, and everyday commands still run.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startFakeAnthropic } from '../../src/testing/fake-anthropic/index.js';
import { startHarness } from '../helpers/cli-process.js';
import { tempDir } from '../helpers/engine-env.js';
import { bash, featureListText, finalText, sessions, tool } from '../helpers/scenarios.js';

const OUTSIDE_SECRET = 'outside-secret-4f1c9a';
const HOME_SECRET = 'home-private-key-7d2e0b';

describe('shell policy gaps against a scripted agent', () => {
  it('refuses reads of homes and other folders, env hijacks, inline code through python -m and new git remotes', async () => {
    await using work = await tempDir('ch-gaps-');
    // The harness runs with HOME set to this folder (fakeModelEnv).
    await using config = await tempDir('ch-gaps-cfg-');
    // Outside the project and outside $TMPDIR.
    await using outside = await tempDir('ch-gaps-outside-', '/var/tmp');
    await writeFile(join(outside.path, 'secret.txt'), `${OUTSIDE_SECRET}\n`);
    await mkdir(join(config.path, '.ssh'));
    await writeFile(join(config.path, '.ssh', 'id_rsa'), `${HOME_SECRET}\n`);
    const projectDir = join(work.path, 'app');
    await mkdir(projectDir);
    await symlink(outside.path, join(projectDir, 'link-out'));
    // A repository already, so `git remote add` would work if allowed.
    execFileSync('git', ['init', '--quiet'], { cwd: projectDir });
    await writeFile(join(work.path, 'spec.md'), 'A todo app.\n');

    const refused = (command: string, rule: string) => ({ command, rule });
    const attempts = [
      // Reads outside the project: another folder, the home folder, through a symlink, by redirection.
      refused(`cat ${outside.path}/secret.txt`, 'read-outside-project'),
      refused('cat ~/.ssh/id_rsa > leaked-home.txt', 'read-outside-project'),
      refused('cp link-out/secret.txt leaked-link.txt', 'read-outside-project'),
      refused(`tr a-z A-Z < ${outside.path}/secret.txt > leaked-redirect.txt`, 'read-outside-project'),
      // Environment variables that redirect what git does.
      refused('GIT_TRACE={{projectDir}}/trace.txt git status', 'env-denied'),
      // Inline code through a module of the interpreter.
      refused(`/usr/bin/python3 -m timeit -n 1 "open('timeit-ran.txt', 'w')"`, 'python-module'),
      // A new remote, where a push would send the code.
      refused(`git remote add loot ${outside.path}/loot.git`, 'git-remote'),
    ];
    const benign = [
      { command: 'echo hello > hello.txt && cat hello.txt', output: 'hello' },
      { command: 'NODE_ENV=test node --version', output: 'v' },
      { command: 'ls /usr/bin/env', output: '/usr/bin/env' },
      { command: 'GIT_AUTHOR_NAME=Agent git status --short', output: 'hello.txt' },
    ];

    const turns = [
      ...attempts.map((attempt, i) => ({
        ...(i > 0
          ? { expect: { lastToolResultIsError: true, lastToolResultContains: attempts[i - 1]?.rule ?? '' } }
          : {}),
        content: [bash(attempt.command)],
      })),
      ...benign.map((step, i) => ({
        expect:
          i === 0
            ? {
                lastToolResultIsError: true,
                lastToolResultContains: attempts[attempts.length - 1]?.rule ?? '',
              }
            : { lastToolResultIsError: false, lastToolResultContains: benign[i - 1]?.output ?? '' },
        content: [bash(step.command)],
      })),
      {
        expect: {
          lastToolResultIsError: false,
          lastToolResultContains: benign[benign.length - 1]?.output ?? '',
        },
        content: [
          tool('Write', {
            file_path: '{{projectDir}}/feature_list.json',
            content: featureListText([{ description: 'x' }]),
          }),
        ],
      },
      finalText('Done.'),
    ];
    const server = await startFakeAnthropic({ variables: { projectDir }, scenario: sessions(turns) });
    try {
      // In the sandbox: no --no-sandbox.
      const run = startHarness({
        projectDir,
        spec: join(work.path, 'spec.md'),
        serverUrl: server.url,
        configDir: config.path,
        bare: true,
        args: ['--max-iterations', '1', '--auto-continue-delay', '0'],
      });
      await run.done;
      expect(server.failures).toEqual([]);
      server.assertComplete();

      // None of the refused commands had an effect.
      for (const marker of [
        'leaked-home.txt',
        'leaked-link.txt',
        'leaked-redirect.txt',
        'trace.txt',
        'timeit-ran.txt',
      ]) {
        expect(existsSync(join(projectDir, marker)), marker).toBe(false);
      }
      expect(execFileSync('git', ['remote'], { cwd: projectDir, encoding: 'utf8' })).toBe('');
      // The benign commands ran.
      expect(await readFile(join(projectDir, 'hello.txt'), 'utf8')).toBe('hello\n');

      // Every refusal was logged by the shell policy.
      const events = (await readFile(join(projectDir, '.claude-harness', 'events.jsonl'), 'utf8'))
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { type: string; guard?: string });
      const denials = events.filter((e) => e.type === 'policy_denial');
      expect(denials).toHaveLength(attempts.length);
      expect(new Set(denials.map((d) => d.guard))).toEqual(new Set(['shell-policy']));
      const log = await readFile(join(projectDir, '.claude-harness', 'events.jsonl'), 'utf8');
      expect(log).not.toContain(OUTSIDE_SECRET);
      expect(log).not.toContain(HOME_SECRET);
    } finally {
      await server.close();
    }
  });
});
