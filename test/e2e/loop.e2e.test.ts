/**
 * The session loop end to end: the built CLI as a child process, the real Agent SDK and Claude Code CLI,
 * the fake model server playing scripted sessions, a temp project. Each test is one behaviour a user of an
 * unattended run relies on.
 */
import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isAlive } from '../../src/engine/process-tree.js';
import { type FakeAnthropicServer, startFakeAnthropic } from '../../src/testing/fake-anthropic/index.js';
import { pgrep, startCli, startHarness, waitFor } from '../helpers/cli-process.js';
import { tempDir } from '../helpers/engine-env.js';
import {
  bash,
  finalText,
  initializerSession,
  longRunning,
  passingSession,
  type SpecFeature,
  sessions,
  text,
  tool,
  writeScript,
} from '../helpers/scenarios.js';

const THREE: SpecFeature[] = [
  { description: 'list todos' },
  { description: 'add a todo' },
  { description: 'delete a todo' },
];
const ONE: SpecFeature[] = [{ description: 'say hello' }];

interface Project {
  dir: string;
  spec: string;
  configDir: string;
  [Symbol.asyncDispose](): Promise<void>;
}

async function project(): Promise<Project> {
  const work = await tempDir('ch-loop-');
  const config = await tempDir('ch-cfg-');
  const spec = join(work.path, 'spec.md');
  await writeFile(spec, 'A todo app.\n');
  return {
    dir: join(work.path, 'app'),
    spec,
    configDir: config.path,
    async [Symbol.asyncDispose]() {
      await work[Symbol.asyncDispose]();
      await config[Symbol.asyncDispose]();
    },
  };
}

function harness(
  p: Project,
  server: FakeAnthropicServer,
  extra: string[] = [],
  env: Record<string, string> = {},
) {
  return startHarness({
    projectDir: p.dir,
    spec: p.spec,
    serverUrl: server.url,
    configDir: p.configDir,
    args: extra,
    env: { CLAUDE_HARNESS_BACKOFF_BASE_MS: '50', ...env },
  });
}

async function state(p: Project) {
  return JSON.parse(await readFile(join(p.dir, '.claude-harness', 'state.json'), 'utf8')) as {
    sessions: { number: number; kind: string; featureId?: string; outcome: string; reason?: string }[];
    features: Record<
      string,
      { attempts: { session: number; outcome: string; reason?: string }[]; skipped?: { reason: string } }
    >;
  };
}

async function events(p: Project): Promise<{ type: string; [k: string]: unknown }[]> {
  const text = await readFile(join(p.dir, '.claude-harness', 'events.jsonl'), 'utf8');
  return text
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
}

function git(dir: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: dir, encoding: 'utf8' });
}

describe('the session loop', () => {
  it('runs a fresh greenfield project to completion: initializer, one coding session per feature, commits', async () => {
    await using p = await project();
    const server = await startFakeAnthropic({
      variables: { projectDir: p.dir },
      scenario: sessions(
        initializerSession(THREE),
        passingSession(
          THREE,
          ['F001'],
          [{ content: [tool('Write', { file_path: '{{projectDir}}/list.js', content: 'list\n' })] }],
        ),
        passingSession(THREE, ['F001', 'F002']),
        passingSession(THREE, ['F001', 'F002', 'F003']),
      ),
    });
    try {
      const { code, stdout, stderr } = await harness(p, server).done;
      expect(stderr).toBe('');
      expect(code).toBe(0);
      server.assertComplete();
      expect(stdout).toContain('feature list accepted: 3 features, ids F001…F003');
      expect(stdout).toMatch(
        /session 2 \(coding F001, attempt 1\) · list todos\n {3}\[░{20}\] 0% · 0\/3 passing · 0 skipped/,
      );
      expect(stdout).toMatch(
        /session 4 \(coding F003, attempt 1\) · delete a todo\n {3}\[█{13}░{7}\] 66% · 2\/3 passing/,
      );
      expect(stdout).toContain('✓ All 3 features pass.');
      // Not a terminal: plain lines, no live block and no escape codes.
      expect(stdout).not.toContain('\x1b');
      const s = await state(p);
      expect(s.sessions.map((x) => [x.kind, x.featureId ?? null, x.outcome])).toEqual([
        ['initializer', null, 'passed'],
        ['coding', 'F001', 'passed'],
        ['coding', 'F002', 'passed'],
        ['coding', 'F003', 'passed'],
      ]);
      const owned = JSON.parse(await readFile(join(p.dir, 'feature_list.json'), 'utf8'));
      expect(owned.map((f: { id: string; passes: boolean }) => [f.id, f.passes])).toEqual([
        ['F001', true],
        ['F002', true],
        ['F003', true],
      ]);
      // Every session's work is committed; the harness state is not.
      expect(git(p.dir, 'status', '--porcelain')).toBe('');
      expect(git(p.dir, 'log', '--oneline').trim().split('\n')).toHaveLength(4);
      expect(git(p.dir, 'ls-files')).not.toContain('.claude-harness');
      const types = (await events(p)).map((e) => e.type);
      expect(types.filter((t) => t === 'feature_passed')).toHaveLength(3);
      expect(types).toContain('tool_call');
    } finally {
      await server.close();
    }
  });

  it('recovers from a malformed feature list: the next initializer is told the exact error', async () => {
    await using p = await project();
    const server = await startFakeAnthropic({
      variables: { projectDir: p.dir },
      scenario: sessions(
        [
          {
            content: [
              tool('Write', {
                file_path: '{{projectDir}}/feature_list.json',
                content: '[{"category": "functional",',
              }),
            ],
          },
          finalText('Planned.'),
        ],
        [
          {
            expect: { userMessageContains: 'feature_list.json is not valid JSON' },
            content: [tool('Read', { file_path: '{{projectDir}}/feature_list.json' })],
          },
          ...initializerSession(ONE),
        ],
        passingSession(ONE, ['F001']),
      ),
    });
    try {
      const { code, stderr } = await harness(p, server).done;
      expect(server.failures).toEqual([]);
      expect(stderr).toBe('');
      expect(code).toBe(0);
      const s = await state(p);
      expect(s.sessions.map((x) => [x.kind, x.outcome])).toEqual([
        ['initializer', 'failed'],
        ['initializer', 'passed'],
        ['coding', 'passed'],
      ]);
      expect(s.sessions[0]?.reason).toMatch(/not valid JSON/);
    } finally {
      await server.close();
    }
  });

  it('retries a failing feature with its history in the prompt, then skips it after --max-retries', async () => {
    await using p = await project();
    const two: SpecFeature[] = [{ description: 'hard one' }, { description: 'easy one' }];
    const giveUp = (expectText?: string) => [
      expectText
        ? { expect: { userMessageContains: expectText }, content: [text('I cannot do this.')] }
        : finalText('I cannot do this.'),
    ];
    const server = await startFakeAnthropic({
      variables: { projectDir: p.dir },
      scenario: sessions(
        initializerSession(two),
        giveUp('make feature F001 work'),
        giveUp('Session 2: failed — the session ended without a passing test run for F001'),
        giveUp('Session 3: failed'),
        passingSession(two, ['F002']),
      ),
    });
    try {
      const { code, stdout, stderr } = await harness(p, server, ['--max-retries', '3']).done;
      expect(stderr).toBe('');
      expect(server.failures).toEqual([]);
      server.assertComplete();
      expect(code).toBe(4);
      expect(stdout).toContain('F001 skipped after 3 failed attempts');
      expect(stdout).toContain('1 of 2 features pass');
      const s = await state(p);
      expect(s.features.F001?.attempts.map((a) => a.session)).toEqual([2, 3, 4]);
      expect(s.features.F001?.skipped?.reason).toMatch(/3 failed attempts/);
      const listed = startCli(['skipped', '--project-dir', p.dir, '--json']);
      const out = await listed.done;
      expect(out.code).toBe(0);
      expect(out.stdout).toContain('F001');
    } finally {
      await server.close();
    }
  });

  it('owns feature_list.json: refuses edits, undoes changes made behind its back, and tells the next session', async () => {
    await using p = await project();
    const two: SpecFeature[] = [{ description: 'first' }, { description: 'second' }];
    const tampered = ownedWith(
      [{ description: 'first, simplified' }, { description: 'second' }],
      ['F001', 'F002'],
    );
    const server = await startFakeAnthropic({
      variables: { projectDir: p.dir },
      scenario: sessions(
        initializerSession(two),
        [
          // A direct edit is refused…
          { content: [tool('Read', { file_path: '{{projectDir}}/feature_list.json' })] },
          { content: [tool('Write', { file_path: '{{projectDir}}/feature_list.json', content: tampered })] },
          {
            expect: { lastToolResultIsError: true },
            content: [bash("sed -i 's/false/true/' feature_list.json")],
          },
          // …and a script that rewrites it is undone after the session.
          {
            expect: { lastToolResultIsError: true },
            content: [
              tool('Write', {
                file_path: '{{projectDir}}/sneak.js',
                content: `import { writeFileSync } from 'node:fs';\nwriteFileSync('feature_list.json', ${JSON.stringify(tampered)});\n`,
              }),
            ],
          },
          { content: [bash('node sneak.js')] },
          finalText('Done.'),
        ],
        [{ expect: { userMessageContains: 'were undone' }, content: [text('Understood.')] }],
      ),
    });
    try {
      const { stdout } = await harness(p, server, ['--max-iterations', '3']).done;
      expect(server.failures).toEqual([]);
      expect(stdout).toContain('⛔ ledger');
      expect(stdout).toContain('feature_list.json changes undone');
      const owned = JSON.parse(await readFile(join(p.dir, 'feature_list.json'), 'utf8'));
      expect(owned.map((f: { description: string; passes: boolean }) => [f.description, f.passes])).toEqual([
        ['first', false],
        ['second', false],
      ]);
      const log = await events(p);
      expect(log.filter((e) => e.type === 'policy_denial').map((e) => e.rule)).toEqual([
        'feature-list-write',
        'feature-list-shell-write',
      ]);
      expect(log.find((e) => e.type === 'tamper')).toMatchObject({
        changes: [
          'F001 was reworded',
          'F001\'s "passes" was set to true',
          'F002\'s "passes" was set to true',
        ],
      });
    } finally {
      await server.close();
    }
  });

  it('stops at --max-iterations with exit 3, and a rerun continues', async () => {
    await using p = await project();
    const server = await startFakeAnthropic({
      variables: { projectDir: p.dir },
      scenario: sessions(initializerSession(ONE), passingSession(ONE, ['F001'])),
    });
    try {
      const first = await harness(p, server, ['--max-iterations', '1']).done;
      expect(first.code).toBe(3);
      expect(first.stdout).toContain('Run the same command again to continue');
      const second = await harness(p, server).done;
      expect(second.code).toBe(0);
      server.assertComplete();
    } finally {
      await server.close();
    }
  });
});

function ownedWith(features: SpecFeature[], passing: string[]): string {
  return `${JSON.stringify(
    features.map((f, i) => ({
      id: `F00${i + 1}`,
      category: 'functional',
      description: f.description,
      steps: ['Step 1: check it'],
      passes: passing.includes(`F00${i + 1}`),
    })),
    null,
    2,
  )}\n`;
}

describe('watchdogs', () => {
  it('first-response timeout: a model that never answers is cut off and the run recovers', async () => {
    await using p = await project();
    const server = await startFakeAnthropic({
      variables: { projectDir: p.dir },
      scenario: sessions(
        initializerSession(ONE),
        passingSession(
          ONE,
          ['F001'],
          [
            {
              fault: { type: 'hang', seconds: 30 },
              content: [tool('Read', { file_path: '{{projectDir}}/feature_list.json' })],
            },
          ],
        ),
      ),
    });
    try {
      const started = Date.now();
      const { code, stdout } = await harness(p, server, ['--first-response-timeout', '2s']).done;
      expect(code).toBe(0);
      expect(Date.now() - started).toBeLessThan(25_000);
      expect(stdout).toMatch(/aborted: .*first response|aborted: .*answer/i);
      const s = await state(p);
      expect(s.sessions.map((x) => x.outcome)).toEqual(['passed', 'aborted', 'passed']);
    } finally {
      await server.close();
    }
  });

  it('idle timeout cuts a stalled stream; a long tool call within its allowance is not a stall', async () => {
    await using p = await project();
    const server = await startFakeAnthropic({
      variables: { projectDir: p.dir },
      scenario: sessions(
        initializerSession(ONE),
        // Session 2: a tool call that runs 4 s (longer than the 2 s stall timeout) then a stream that stalls.
        [
          writeScript('slow.js', "setTimeout(() => console.log('slow done'), 4000);"),
          { content: [bash('node slow.js')] },
          {
            expect: { lastToolResultContains: 'slow done' },
            fault: { type: 'hang', seconds: 30 },
            content: [text('never')],
          },
        ],
        passingSession(ONE, ['F001']),
      ),
    });
    try {
      const { code } = await harness(p, server, ['--stall-timeout', '2s', '--tool-allowance', '20s']).done;
      expect(server.failures).toEqual([]);
      expect(code).toBe(0);
      const s = await state(p);
      expect(s.sessions[1]).toMatchObject({ outcome: 'aborted' });
      expect(s.sessions[1]?.reason).toMatch(/No progress for 2 s/);
    } finally {
      await server.close();
    }
  });

  it('session timeout ends a session that runs too long', async () => {
    await using p = await project();
    const server = await startFakeAnthropic({
      variables: { projectDir: p.dir },
      scenario: sessions(
        initializerSession(ONE),
        [
          writeScript('long.js', 'setTimeout(() => {}, 30000);'),
          { content: [bash('node long.js')] },
          finalText('never'),
        ],
        passingSession(ONE, ['F001']),
      ),
    });
    try {
      const { code } = await harness(p, server, ['--session-timeout', '3s', '--tool-allowance', '60s']).done;
      expect(code).toBe(0);
      const s = await state(p);
      expect(s.sessions[1]).toMatchObject({ outcome: 'timeout' });
    } finally {
      await server.close();
    }
  });
});

describe('loops and API trouble', () => {
  it('detects an agent repeating the same call: first refuses with an explanation, then ends the session', async () => {
    await using p = await project();
    const same = { content: [bash('ls -la')] };
    const server = await startFakeAnthropic({
      variables: { projectDir: p.dir },
      scenario: sessions(
        initializerSession(ONE),
        [same, same, same, same, same, same, same, same, same, finalText('never')],
        passingSession(ONE, ['F001']),
      ),
    });
    try {
      const { code, stdout } = await harness(p, server).done;
      expect(code).toBe(0);
      expect(stdout).toContain('⛔ loop-detector');
      const s = await state(p);
      expect(s.sessions[1]).toMatchObject({ outcome: 'aborted' });
      expect(s.sessions[1]?.reason).toMatch(/loop detected \(repeat\)/);
      const denials = (await events(p)).filter((e) => e.type === 'policy_denial');
      expect(denials[0]).toMatchObject({ guard: 'loop-detector', rule: 'repeat', tool: 'Bash' });
    } finally {
      await server.close();
    }
  });

  it('backs off after an overloaded API (529) and a rate limit (429), then goes on', async () => {
    await using p = await project();
    const server = await startFakeAnthropic({
      variables: { projectDir: p.dir },
      scenario: sessions(
        initializerSession(ONE),
        passingSession(
          ONE,
          ['F001'],
          [
            {
              fault: { type: 'overloaded', times: 1 },
              content: [tool('Read', { file_path: '{{projectDir}}/feature_list.json' })],
            },
          ],
        ),
      ),
    });
    await using p429 = await project();
    const server429 = await startFakeAnthropic({
      variables: { projectDir: p429.dir },
      scenario: sessions(
        initializerSession(ONE),
        passingSession(
          ONE,
          ['F001'],
          [
            {
              fault: { type: 'rate_limit', retryAfterSeconds: 0, times: 1 },
              content: [tool('Read', { file_path: '{{projectDir}}/feature_list.json' })],
            },
          ],
        ),
      ),
    });
    try {
      const { code, stdout } = await harness(p, server).done;
      expect(code).toBe(0);
      expect(stdout).toMatch(/API trouble \(overloaded\); next session in/);
      expect((await state(p)).sessions.map((x) => x.outcome)).toEqual(['passed', 'api-error', 'passed']);
      const rate = await harness(p429, server429).done;
      expect(rate.code).toBe(0);
      expect(rate.stdout).toMatch(/API trouble \(rate_limit\)/);
    } finally {
      await server.close();
      await server429.close();
    }
  });

  it('pauses the run after three failed sessions in a row instead of burning iterations', async () => {
    await using p = await project();
    const server = await startFakeAnthropic({
      variables: { projectDir: p.dir },
      scenario: sessions(initializerSession(ONE), [
        { fault: { type: 'overloaded', times: 3 }, content: [text('x')] },
      ]),
    });
    try {
      const { code, stderr } = await harness(p, server).done;
      expect(code).toBe(5);
      expect(stderr).toMatch(/failed in 3 sessions in a row .*Paused/);
    } finally {
      await server.close();
    }
  });
});

describe('stopping and resuming', () => {
  it('Ctrl+C stops the session, kills its processes and saves state; the same command resumes', async () => {
    await using p = await project();
    const marker = `${process.pid}99${Date.now()}`;
    const server = await startFakeAnthropic({
      variables: { projectDir: p.dir },
      scenario: sessions(
        initializerSession(ONE),
        [...longRunning(marker), finalText('never')],
        passingSession(ONE, ['F001']),
      ),
    });
    try {
      const run = harness(p, server);
      await run.waitForOutput(marker);
      await waitFor(() => pgrep(marker).length > 0);
      run.child.kill('SIGINT');
      const first = await run.done;
      expect(first.code).toBe(130);
      expect(first.stderr).toContain('run the same command again to continue');
      expect(pgrep(marker)).toEqual([]);
      expect((await state(p)).sessions.map((x) => x.outcome)).toEqual(['passed', 'interrupted']);

      const second = await harness(p, server).done;
      expect(second.code).toBe(0);
      const s = await state(p);
      expect(s.sessions.map((x) => x.outcome)).toEqual(['passed', 'interrupted', 'passed']);
      // An interruption is not the feature's fault: the resumed session is still attempt 1.
      expect(second.stdout).toContain('(coding F001, attempt 1)');
    } finally {
      await server.close();
    }
  });

  it('a second Ctrl+C exits at once and still leaves no agent behind', async () => {
    await using p = await project();
    const marker = `${process.pid}97${Date.now()}`;
    const server = await startFakeAnthropic({
      variables: { projectDir: p.dir },
      scenario: sessions(initializerSession(ONE), [...longRunning(marker), finalText('never')]),
    });
    try {
      const run = harness(p, server);
      await run.waitForOutput(marker);
      await waitFor(() => pgrep(marker).length > 0);
      const lock = JSON.parse(await readFile(join(p.dir, '.claude-harness', 'run.lock'), 'utf8')) as {
        cliPid?: number;
      };
      run.child.kill('SIGINT');
      run.child.kill('SIGINT');
      const { code } = await run.done;
      expect(code).toBe(130);
      expect(isAlive(lock.cliPid as number)).toBe(false);
      expect(pgrep(marker)).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it('kill -9 of the harness mid-session: the rerun stops the orphaned agent, records the session once, and goes on', async () => {
    await using p = await project();
    const marker = `${process.pid}98${Date.now()}`;
    const server = await startFakeAnthropic({
      variables: { projectDir: p.dir },
      scenario: sessions(
        initializerSession(ONE),
        [...longRunning(marker), finalText('never')],
        passingSession(ONE, ['F001']),
      ),
    });
    try {
      const run = harness(p, server);
      await run.waitForOutput(marker);
      await waitFor(() => pgrep(marker).length > 0);
      const lock = JSON.parse(await readFile(join(p.dir, '.claude-harness', 'run.lock'), 'utf8')) as {
        cliPid?: number;
      };
      expect(lock.cliPid).toBeDefined();
      run.child.kill('SIGKILL');
      await run.done;
      // The agent outlives its parent (re-parented to PID 1), still running its command.
      expect(isAlive(lock.cliPid as number)).toBe(true);

      const second = await harness(p, server).done;
      expect(second.stdout).toContain(`Stopping the agent a previous run left behind (pid ${lock.cliPid})`);
      expect(second.code).toBe(0);
      expect(isAlive(lock.cliPid as number)).toBe(false);
      expect(pgrep(marker)).toEqual([]);
      const s = await state(p);
      expect(s.sessions.map((x) => x.outcome)).toEqual(['passed', 'interrupted', 'passed']);
      expect(s.features.F001?.attempts.map((a) => a.outcome)).toEqual(['interrupted', 'passed']);
    } finally {
      await server.close();
    }
  });
});
