/**
 * The built `claude-harness` as a user runs it: a child process, a temp project, the real Agent SDK and
 * Claude Code CLI, and the fake model server on 127.0.0.1 in place of the API.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startFakeAnthropic } from '../../src/testing/fake-anthropic/index.js';
import { pgrep, startCli, startHarness, waitFor } from '../helpers/cli-process.js';
import { tempDir } from '../helpers/engine-env.js';
import { bash, featureListText, finalText, longRunning, oneSession, tool } from '../helpers/scenarios.js';

const initializerScenario = oneSession(
  {
    expect: { userMessageContains: 'feature_list.json' },
    content: [tool('Read', { file_path: '{{projectDir}}/app_spec.txt' })],
  },
  {
    expect: { lastToolResultContains: 'A todo app' },
    content: [
      tool('Write', {
        file_path: '{{projectDir}}/feature_list.json',
        content: featureListText([{ description: 'add a todo' }]),
      }),
    ],
  },
  { content: [bash('ls')] },
  finalText('Set up.', { lastToolResultContains: 'feature_list.json' }),
);

describe('claude-harness run (built CLI, real SDK, fake model)', () => {
  it('copies the spec, runs the initializer session, adopts its feature list, and stops at --max-iterations (exit 3)', async () => {
    await using work = await tempDir('ch-run-');
    await using config = await tempDir('ch-cfg-');
    const projectDir = join(work.path, 'my-app');
    await writeFile(join(work.path, 'spec.md'), 'A todo app.\n');
    const server = await startFakeAnthropic({ scenario: initializerScenario, variables: { projectDir } });
    try {
      // --project-dir is relative, and must be used exactly as given (relative to the cwd).
      const cli = startHarness({
        projectDir: 'my-app',
        spec: 'spec.md',
        serverUrl: server.url,
        configDir: config.path,
        cwd: work.path,
        bare: true,
        args: ['--max-iterations', '1'],
      });
      const { code, stdout, stderr } = await cli.done;
      expect(stderr).toBe('');
      expect(code).toBe(3);
      server.assertComplete();
      expect(await readFile(join(projectDir, 'app_spec.txt'), 'utf8')).toBe('A todo app.\n');
      const list = JSON.parse(await readFile(join(projectDir, 'feature_list.json'), 'utf8'));
      expect(list).toEqual([
        {
          id: 'F001',
          category: 'functional',
          description: 'add a todo',
          steps: ['Step 1: check it'],
          passes: false,
        },
      ]);
      expect(stdout).toContain('feature list accepted: 1 features');
      expect(stdout).toContain('Run the same command again to continue');
      expect(stdout).toContain(`project ${projectDir}`);
      expect(stdout).toMatch(/▶ session 1 \(initializer\) started/);
      expect(stdout).toContain('→ Read app_spec.txt');
      expect(stdout).toContain('→ Write feature_list.json');
      expect(stdout).toContain('→ Bash ls');
      expect(stdout).toMatch(/✓ session 1 \(initializer\) finished: 4 turns/);
      // The model saw the initializer prompt and the requested model alias resolved to a Sonnet id.
      expect(server.requests.find((r) => r.kind === 'agent')?.model).toMatch(/sonnet/);
    } finally {
      await server.close();
    }
  });

  it('refuses to start without credentials: exit 2, one line, nothing written', async () => {
    await using work = await tempDir('ch-run-');
    await writeFile(join(work.path, 'spec.md'), 'A todo app.\n');
    const cli = startCli(['--project-dir', 'my-app', '--spec', 'spec.md'], {
      cwd: work.path,
      env: { PATH: process.env.PATH },
    });
    const { code, stdout, stderr } = await cli.done;
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/ANTHROPIC_API_KEY/);
    expect(stderr).toMatch(/CLAUDE_CODE_OAUTH_TOKEN/);
    expect(await readdir(work.path)).toEqual(['spec.md']);
  });

  it('Ctrl+C stops the session and its CLI, says what was kept, and exits 130', async () => {
    await using work = await tempDir('ch-run-');
    await using config = await tempDir('ch-cfg-');
    const projectDir = join(work.path, 'app');
    await mkdir(projectDir);
    await writeFile(join(work.path, 'spec.md'), 'A todo app.\n');
    const marker = `${process.pid}77${Date.now()}`;
    const scenario = oneSession(...longRunning(marker), finalText('unreachable'));
    const server = await startFakeAnthropic({ scenario });
    try {
      const cli = startHarness({
        projectDir,
        spec: join(work.path, 'spec.md'),
        serverUrl: server.url,
        configDir: config.path,
        bare: true,
      });
      await cli.waitForOutput('→ Bash');
      await waitFor(() => pgrep(marker).length > 0);
      cli.child.kill('SIGINT');
      const { code, stderr } = await cli.done;
      expect(code).toBe(130);
      expect(stderr).toContain('Stopping');
      expect(stderr).toContain('Nothing is lost: run the same command again to continue');
      expect(pgrep(marker)).toEqual([]);
    } finally {
      await server.close();
    }
  });
});

describe('claude-harness demo', () => {
  it('runs the bundled scenario through the real CLI, says the model is a script, and leaves working files', async () => {
    await using work = await tempDir('ch-demo-');
    // A clean HOME: the CLI's Bash sources the user's shell start-up files.
    await using home = await tempDir('ch-home-');
    await using tmp = await tempDir('ch-demo-tmp-');
    const cli = startCli(['demo', '--project-dir', work.path], {
      env: {
        PATH: process.env.PATH,
        HOME: home.path,
        TMPDIR: tmp.path,
        ANTHROPIC_API_KEY: 'must-not-be-used',
      },
    });
    const { code, stdout, stderr } = await cli.done;
    // Its temporary CLI config folder is gone.
    expect((await readdir(tmp.path)).filter((name) => name.startsWith('claude-harness-'))).toEqual([]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain('recorded script');
    expect(stdout).toContain('→ Bash node greet.js Ada && node --test --test-reporter=spec greet.test.js');
    expect(stdout).toContain('│ Hello, Ada!');
    const files = await readdir(work.path);
    expect(files).toEqual(
      expect.arrayContaining([
        'app_spec.txt',
        'greet.js',
        'greet.test.js',
        'feature_list.json',
        'claude-progress.txt',
      ]),
    );
    // What the scripted session wrote really works.
    expect(execFileSync(process.execPath, ['greet.js', 'Grace'], { cwd: work.path, encoding: 'utf8' })).toBe(
      'Hello, Grace!\n',
    );
    expect(JSON.parse(await readFile(join(work.path, 'feature_list.json'), 'utf8'))).toHaveLength(2);
  });
});

describe('claude-harness demo, stopped', () => {
  it('Ctrl+C during a demo leaves no temporary folder behind', async () => {
    await using home = await tempDir('ch-home-');
    await using tmp = await tempDir('ch-demo-tmp-');
    const cli = startCli(['demo'], {
      env: { PATH: process.env.PATH, HOME: home.path, TMPDIR: tmp.path },
    });
    await cli.waitForOutput('▶ session 1');
    expect((await readdir(tmp.path)).some((name) => name.startsWith('claude-harness-demo-'))).toBe(true);
    cli.child.kill('SIGINT');
    const { code } = await cli.done;
    expect(code).toBe(130);
    expect((await readdir(tmp.path)).filter((name) => name.startsWith('claude-harness-'))).toEqual([]);
  });
});

describe('claude-harness demo without bubblewrap', () => {
  it('says why the sandbox is off, not "--no-sandbox", which nobody passed', async () => {
    await using work = await tempDir('ch-demo-');
    await using home = await tempDir('ch-home-');
    // A PATH with what the demo uses and without bwrap and socat.
    await using bin = await tempDir('ch-bin-');
    for (const tool of [
      'node',
      'git',
      'bash',
      'sh',
      'env',
      'cat',
      'ls',
      'mkdir',
      'rm',
      'uname',
      'sed',
      'grep',
    ]) {
      const found = execFileSync('bash', ['--norc', '-c', `command -v ${tool}`], { encoding: 'utf8' }).trim();
      await symlink(found, join(bin.path, tool));
    }
    const { code, stdout } = await startCli(['demo', '--project-dir', join(work.path, 'p')], {
      env: { PATH: bin.path, HOME: home.path },
    }).done;
    expect(code, stdout).toBe(0);
    expect(stdout).toContain(
      'sandbox: off (bubblewrap and socat are not installed — apt-get install bubblewrap socat; the demo runs without the sandbox, a real run would refuse)',
    );
    expect(stdout).not.toContain('--no-sandbox');
  });
});

describe('claude-harness fake-model', () => {
  it('prints its URL first, serves the scenario to a real client, and on Ctrl+C prints a summary and exits 0', async () => {
    await using work = await tempDir('ch-fake-');
    const scenarioPath = join(work.path, 'hello.yaml');
    await writeFile(
      scenarioPath,
      'sessions:\n  - turns:\n      - content:\n          - { type: text, text: "Hello from the script" }\n',
    );
    const cli = startCli(['fake-model', '--scenario', scenarioPath, '--port', '0']);
    await cli.waitForOutput('\n');
    const url = cli.stdout().split('\n')[0] ?? '';
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const { default: Anthropic } = await import('@anthropic-ai/sdk');
    const client = new Anthropic({ baseURL: url, apiKey: 'any', maxRetries: 0 });
    const message = await client.messages.create({
      model: 'claude-sonnet-5-5',
      max_tokens: 100,
      tools: [{ name: 'Bash', input_schema: { type: 'object' } }],
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(message.content).toEqual([{ type: 'text', text: 'Hello from the script' }]);

    cli.child.kill('SIGINT');
    const { code, stdout } = await cli.done;
    expect(code).toBe(0);
    expect(stdout).toMatch(/1 (agent )?request/);
  });

  it('rejects a broken scenario with one line and exit 2', async () => {
    await using work = await tempDir('ch-fake-');
    const scenarioPath = join(work.path, 'bad.yaml');
    await writeFile(scenarioPath, 'sessions:\n  - turns: []\n');
    const { code, stdout, stderr } = await startCli(['fake-model', '--scenario', scenarioPath]).done;
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^claude-harness: Scenario file .*bad\.yaml.*turns/);
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
  });
});
