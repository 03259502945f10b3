/**
 * Each credential Claude Code accepts, through the built harness, the real SDK and CLI, and the fake model:
 * the run starts, and the model requests carry the header that credential becomes (recorded as "present"
 * and a scheme, never a value). Each malformed one is refused before anything starts.
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RecordedAuth } from '../../src/testing/fake-anthropic/index.js';
import { startFakeAnthropic } from '../../src/testing/fake-anthropic/index.js';
import { harnessArgs, harnessEnv, startCli } from '../helpers/cli-process.js';
import { tempDir } from '../helpers/engine-env.js';
import { provenProject } from '../helpers/proven-project.js';
import { bash, finalText, initializerSession, oneSession, writeScript } from '../helpers/scenarios.js';

const ACCESS_TOKEN = 'sk-ant-oat01-fake-login-token-for-tests';

/** What `claude /login` writes (the fields Claude Code 2.1.332 reads), with a token valid for a day. */
function loginFile(): string {
  return JSON.stringify({
    claudeAiOauth: {
      accessToken: ACCESS_TOKEN,
      refreshToken: 'sk-ant-ort01-fake-refresh-token',
      expiresAt: Date.now() + 86_400_000,
      scopes: ['user:inference', 'user:profile'],
      subscriptionType: 'max',
    },
  });
}

interface Variant {
  name: string;
  /** Changes to the test environment (PATH, fakeModelEnv); `undefined` removes a variable. */
  env: (configDir: string) => Record<string, string | undefined>;
  /** Files to write first, by path. */
  files?: (configDir: string) => Record<string, string>;
  expected: RecordedAuth;
}

const NO_KEY = { ANTHROPIC_API_KEY: undefined };

const accepted: Variant[] = [
  {
    name: 'ANTHROPIC_API_KEY, as x-api-key',
    env: () => ({}),
    expected: { apiKey: true, authorization: null },
  },
  {
    name: 'ANTHROPIC_AUTH_TOKEN (a gateway token), as Authorization: Bearer',
    env: () => ({ ...NO_KEY, ANTHROPIC_AUTH_TOKEN: 'gateway-token-0123' }),
    expected: { apiKey: false, authorization: 'Bearer' },
  },
  {
    name: 'CLAUDE_CODE_OAUTH_TOKEN, as Authorization: Bearer',
    env: () => ({ ...NO_KEY, CLAUDE_CODE_OAUTH_TOKEN: 'sk-ant-oat01-setup-token' }),
    expected: { apiKey: false, authorization: 'Bearer' },
  },
  {
    name: 'a claude /login file in $CLAUDE_CONFIG_DIR, as Authorization: Bearer',
    env: () => NO_KEY,
    files: (configDir) => ({ [join(configDir, '.credentials.json')]: loginFile() }),
    expected: { apiKey: false, authorization: 'Bearer' },
  },
  {
    name: 'a claude /login file in ~/.claude (no CLAUDE_CONFIG_DIR), as Authorization: Bearer',
    env: () => ({ ...NO_KEY, CLAUDE_CONFIG_DIR: undefined }),
    files: (configDir) => ({ [join(configDir, '.claude', '.credentials.json')]: loginFile() }),
    expected: { apiKey: false, authorization: 'Bearer' },
  },
  {
    name: 'a blank ANTHROPIC_API_KEY beside a login file: the file, as Claude Code does',
    env: () => ({ ANTHROPIC_API_KEY: '  ' }),
    files: (configDir) => ({ [join(configDir, '.credentials.json')]: loginFile() }),
    expected: { apiKey: false, authorization: 'Bearer' },
  },
];

function envFor(base: Record<string, string | undefined>, changes: Record<string, string | undefined>) {
  const env = { ...base };
  for (const [name, value] of Object.entries(changes)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}

async function writeFiles(files: Record<string, string>): Promise<void> {
  for (const [path, text] of Object.entries(files)) {
    await mkdir(join(path, '..'), { recursive: true });
    await writeFile(path, text, { mode: 0o600 });
  }
}

describe('credentials Claude Code accepts (built CLI, real SDK, fake model)', () => {
  it.each(accepted)('$name', async ({ env, files, expected }) => {
    await using work = await tempDir('ch-auth-');
    await using config = await tempDir('ch-cfg-');
    const projectDir = join(work.path, 'app');
    await writeFile(join(work.path, 'spec.md'), 'A todo app.\n');
    await writeFiles(files?.(config.path) ?? {});
    const scenario = oneSession(...initializerSession([{ description: 'add a todo' }]));
    const server = await startFakeAnthropic({ scenario, variables: { projectDir } });
    try {
      const run = {
        projectDir,
        spec: join(work.path, 'spec.md'),
        serverUrl: server.url,
        configDir: config.path,
      };
      const cli = startCli(harnessArgs({ ...run, args: ['--max-iterations', '1'] }), {
        env: envFor(harnessEnv(run), env(config.path)),
      });
      const { code, stdout, stderr } = await cli.done;
      expect(code, stdout + stderr).toBe(3);
      server.assertComplete();
      const agent = server.requests.filter((request) => request.kind === 'agent');
      expect(agent.length).toBeGreaterThan(0);
      for (const request of agent) expect(request.auth).toEqual(expected);
    } finally {
      await server.close();
    }
  });

  it('with the sandbox on, a login file in the home authenticates the CLI and stays hidden from the agent', async () => {
    await using work = await tempDir('ch-auth-');
    // The home outside the temp folder, which the sandbox leaves readable, as a real home is.
    await using home = await tempDir('ch-home-', '/var/tmp');
    const projectDir = join(work.path, 'app');
    await writeFile(join(work.path, 'spec.md'), 'A todo app.\n');
    const file = join(home.path, '.claude', '.credentials.json');
    await writeFiles({ [file]: loginFile() });
    // A script, so the shell policy (which refuses naming the file) lets it run: only the sandbox stops it.
    const peek = `try { console.log(require('node:fs').readFileSync(${JSON.stringify(file)}, 'utf8')); } catch (error) { console.log('READ REFUSED', error.code); }`;
    const scenario = oneSession(
      writeScript('peek.cjs', peek),
      { content: [bash('node peek.cjs')] },
      {
        expect: { lastToolResultContains: 'READ REFUSED' },
        content: initializerSession([{ description: 'add a todo' }])[0]?.content ?? [],
      },
      finalText('Planned.'),
    );
    const server = await startFakeAnthropic({ scenario, variables: { projectDir }, recordBodies: true });
    try {
      const run = {
        projectDir,
        spec: join(work.path, 'spec.md'),
        serverUrl: server.url,
        configDir: home.path,
        bare: true,
      };
      const cli = startCli(
        harnessArgs({ ...run, args: ['--max-iterations', '1', '--auto-continue-delay', '0'] }),
        { env: envFor(harnessEnv(run), { ...NO_KEY, CLAUDE_CONFIG_DIR: undefined }) },
      );
      const { code, stdout, stderr } = await cli.done;
      expect(server.failures, stdout + stderr).toEqual([]);
      expect(code, stdout + stderr).toBe(3);
      server.assertComplete();
      const agent = server.requests.filter((request) => request.kind === 'agent');
      for (const request of agent) expect(request.auth).toEqual({ apiKey: false, authorization: 'Bearer' });
      for (const request of server.requests) expect(request.body ?? '').not.toContain(ACCESS_TOKEN);
      expect(stdout).not.toContain(ACCESS_TOKEN);
    } finally {
      await server.close();
    }
  });
});

interface Refused {
  name: string;
  env: Record<string, string | undefined>;
  files?: (configDir: string) => Record<string, string>;
  /** What the one line on stderr must say. */
  message: RegExp;
}

const refused: Refused[] = [
  {
    name: 'an empty ANTHROPIC_API_KEY',
    env: { ANTHROPIC_API_KEY: '' },
    message: /ANTHROPIC_API_KEY is set but empty/,
  },
  {
    name: 'a whitespace ANTHROPIC_AUTH_TOKEN',
    env: { ...NO_KEY, ANTHROPIC_AUTH_TOKEN: ' \t ' },
    message: /ANTHROPIC_AUTH_TOKEN is set but empty/,
  },
  {
    name: 'a whitespace CLAUDE_CODE_OAUTH_TOKEN',
    env: { ...NO_KEY, CLAUDE_CODE_OAUTH_TOKEN: '   ' },
    message: /CLAUDE_CODE_OAUTH_TOKEN is set but empty/,
  },
  {
    name: 'a credentials file that is not JSON',
    env: NO_KEY,
    files: (configDir) => ({ [join(configDir, '.credentials.json')]: '{"claudeAiOauth": {' }),
    message: /credentials file .*\.credentials\.json is not JSON: run `claude \/login` again/,
  },
  {
    name: 'a credentials file with no token',
    env: NO_KEY,
    files: (configDir) => ({
      [join(configDir, '.credentials.json')]: '{"claudeAiOauth":{"accessToken":""}}',
    }),
    message: /credentials file .*\.credentials\.json holds no claudeAiOauth\.accessToken/,
  },
  {
    name: 'Vertex switched on with no project',
    env: { ...NO_KEY, CLAUDE_CODE_USE_VERTEX: '1' },
    message:
      /CLAUDE_CODE_USE_VERTEX is on but no Google Cloud project is set: export ANTHROPIC_VERTEX_PROJECT_ID/,
  },
];

describe('malformed credentials are refused before anything starts', () => {
  it.each(refused)(
    '$name: exit 2, one line naming the problem, nothing written',
    async ({ env, files, message }) => {
      await using work = await tempDir('ch-auth-');
      await using config = await tempDir('ch-cfg-');
      await writeFile(join(work.path, 'spec.md'), 'A todo app.\n');
      await writeFiles(files?.(config.path) ?? {});
      const server = await startFakeAnthropic({ scenario: oneSession(...initializerSession([])) });
      try {
        const run = { projectDir: 'app', spec: 'spec.md', serverUrl: server.url, configDir: config.path };
        const cli = startCli(harnessArgs(run), { cwd: work.path, env: envFor(harnessEnv(run), env) });
        const { code, stdout, stderr } = await cli.done;
        expect(code).toBe(2);
        expect(stdout).toBe('');
        expect(stderr.trimEnd().split('\n')).toHaveLength(1);
        expect(stderr).toMatch(message);
        expect(stderr).not.toContain(ACCESS_TOKEN);
        expect(server.requests).toEqual([]);
        expect(await readdir(work.path)).toEqual(['spec.md']);
      } finally {
        await server.close();
      }
    },
  );
});

describe('validation mode runs no agent', () => {
  it('needs no credentials: it re-runs the recorded tests and exits 0', async () => {
    await using work = await tempDir('ch-auth-');
    await using config = await tempDir('ch-cfg-');
    const projectDir = await provenProject(work.path, config.path);
    const cli = startCli(['--project-dir', projectDir, '--mode', 'validation', '--no-sandbox'], {
      env: { PATH: process.env.PATH, HOME: config.path, CLAUDE_CONFIG_DIR: config.path },
    });
    const { code, stdout, stderr } = await cli.done;
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain('All 1 still pass.');
  });
});

describe('Bedrock and Vertex, accepted by configuration (no real endpoint here)', () => {
  it.each([
    {
      name: 'Bedrock: the CLI signs its first request with the AWS keys (SigV4)',
      env: (url: string) => ({
        ...NO_KEY,
        CLAUDE_CODE_USE_BEDROCK: '1',
        ANTHROPIC_BEDROCK_BASE_URL: url,
        AWS_ACCESS_KEY_ID: 'AKIAFAKEKEYFORTESTS0',
        AWS_SECRET_ACCESS_KEY: 'fake-secret-access-key-for-tests',
        AWS_REGION: 'eu-west-1',
      }),
      check: (requests: { path: string; auth: RecordedAuth }[]) => {
        for (const request of requests)
          expect(request.auth).toEqual({ apiKey: false, authorization: 'AWS4-HMAC-SHA256' });
        expect(requests.map((request) => request.path)).toContainEqual(
          expect.stringMatching(/^\/model\/eu\./),
        );
      },
    },
    {
      name: 'Vertex: the CLI asks for the configured project and region',
      env: (url: string) => ({
        ...NO_KEY,
        CLAUDE_CODE_USE_VERTEX: '1',
        ANTHROPIC_VERTEX_BASE_URL: url,
        CLAUDE_CODE_SKIP_VERTEX_AUTH: '1',
        ANTHROPIC_VERTEX_PROJECT_ID: 'my-project',
        CLOUD_ML_REGION: 'europe-west1',
      }),
      check: (requests: { path: string; auth: RecordedAuth }[]) =>
        expect(requests.map((request) => request.path)).toContainEqual(
          expect.stringMatching(
            /^\/projects\/my-project\/locations\/europe-west1\/publishers\/anthropic\/models\//,
          ),
        ),
    },
  ])('$name', async ({ env, check }) => {
    await using work = await tempDir('ch-auth-');
    await using config = await tempDir('ch-cfg-');
    await writeFile(join(work.path, 'spec.md'), 'A todo app.\n');
    const server = await startFakeAnthropic({ scenario: oneSession(...initializerSession([])) });
    try {
      const run = { projectDir: 'app', spec: 'spec.md', serverUrl: server.url, configDir: config.path };
      const cli = startCli(harnessArgs({ ...run, args: ['--max-iterations', '1'] }), {
        cwd: work.path,
        env: envFor(harnessEnv(run), env(server.url)),
      });
      const { code, stdout, stderr } = await cli.done;
      // The harness started the session; the fake server does not speak Bedrock's or Vertex's API, so the
      // session fails (404) and the run stops at --max-iterations.
      expect(stdout).toContain('▶ session 1 (initializer) started');
      expect(code, stdout + stderr).toBe(3);
      expect(server.requests.length).toBeGreaterThan(0);
      check(server.requests);
    } finally {
      await server.close();
    }
  });
});
