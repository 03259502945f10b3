import { mkdir, mkdtemp, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PROJECT_DIR_REQUIRED, resolveRunConfig } from '../../src/config/resolve.js';
import { PROJECT_CONFIG_KEYS } from '../../src/config/schema.js';
import type { RunFlags } from '../../src/config/settings.js';
import { CONFIG_FILE_NAME, DEFAULTS, MODES } from '../../src/config/types.js';
import { ConfigError, HarnessError, UsageError } from '../../src/errors/index.js';

let cwd: string;
let spec: string;
const MINUTE = 60_000;

beforeEach(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'claude-harness-resolve-'));
  spec = join(cwd, 'spec.md');
  await writeFile(spec, 'Build a todo app.\n');
});

afterEach(async () => {
  await rm(cwd, { recursive: true, force: true });
});

/** Every path under `dir` with its size, to prove a failed resolve wrote nothing. */
async function listTree(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const lines = await Promise.all(
    entries.map(async (entry) => {
      const path = join(entry.parentPath, entry.name);
      const size = entry.isFile() ? (await stat(path)).size : '-';
      return `${path.slice(cwd.length)} ${size}`;
    }),
  );
  return lines.sort();
}

async function project(name = 'app', config?: unknown): Promise<string> {
  const dir = join(cwd, name);
  await mkdir(dir, { recursive: true });
  if (config !== undefined) {
    const text = typeof config === 'string' ? config : JSON.stringify(config);
    await writeFile(join(dir, CONFIG_FILE_NAME), text);
  }
  return dir;
}

/** Resolves `flags`, expects a bad-input error and that nothing under the working directory changed. */
async function rejects(flags: RunFlags): Promise<HarnessError> {
  const before = await listTree(cwd);
  const error: unknown = await resolveRunConfig({ flags, cwd, env: {} }).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(HarnessError);
  const harnessError = error as HarnessError;
  expect(harnessError.exitCode).toBe(2);
  expect(await listTree(cwd)).toEqual(before);
  return harnessError;
}

describe('resolveRunConfig: success', () => {
  it('applies the defaults and resolves paths against the working directory', async () => {
    const config = await resolveRunConfig({ flags: { projectDir: 'app', spec: 'spec.md' }, cwd, env: {} });
    expect(config).toEqual({
      projectDir: join(cwd, 'app'),
      specPath: spec,
      mode: DEFAULTS.mode,
      maxIterations: undefined,
      maxDurationMs: undefined,
      maxBudgetUsd: undefined,
      maxSessionBudgetUsd: undefined,
      model: DEFAULTS.model,
      sessionTimeoutMs: 120 * MINUTE,
      stallTimeoutMs: 10 * MINUTE,
      firstResponseTimeoutMs: 15 * MINUTE,
      toolAllowanceMs: 30 * MINUTE,
      testTimeoutMs: 10 * MINUTE,
      autoContinueDelayMs: 3_000,
      maxRetries: DEFAULTS.maxRetries,
      regressionSample: 3,
      featureCount: 200,
      promptsDir: undefined,
      notifyUrl: undefined,
      waitOnUsageLimit: true,
      sandbox: true,
      json: false,
      plain: false,
      verbosity: 'normal',
      secrets: undefined,
      policy: undefined,
      configFile: undefined,
    });
    // Resolving never creates the project folder; the run does.
    await expect(stat(join(cwd, 'app'))).rejects.toThrow(/ENOENT/);
  });

  it('uses a relative --project-dir exactly as given, relative to the working directory', async () => {
    const nested = await resolveRunConfig({
      flags: { projectDir: 'work/my-app', spec: 'spec.md' },
      cwd,
      env: {},
    });
    expect(nested.projectDir).toBe(join(cwd, 'work', 'my-app'));
    expect(nested.projectDir).not.toMatch(/generations/);

    const sub = join(cwd, 'sub');
    await mkdir(sub);
    const up = await resolveRunConfig({
      flags: { projectDir: '../up-app', spec: '../spec.md' },
      cwd: sub,
      env: {},
    });
    expect(up.projectDir).toBe(join(cwd, 'up-app'));
    expect(up.specPath).toBe(spec);
  });

  it('keeps an absolute --project-dir as it is', async () => {
    const dir = join(cwd, 'abs-app');
    const config = await resolveRunConfig({ flags: { projectDir: dir, spec }, cwd: '/', env: {} });
    expect(config.projectDir).toBe(dir);
  });

  it('parses every numeric flag and the model', async () => {
    const config = await resolveRunConfig({
      flags: {
        projectDir: 'app',
        spec: 'spec.md',
        maxIterations: '7',
        sessionTimeout: '30',
        stallTimeout: '5',
        firstResponseTimeout: '2',
        toolAllowance: '45',
        autoContinueDelay: '7',
        maxRetries: '2',
        featureCount: '40',
        model: 'opus',
      },
      cwd,
      env: {},
    });
    expect(config).toMatchObject({
      maxIterations: 7,
      // A plain number is minutes for a timeout (as in the original) and seconds for the delay.
      sessionTimeoutMs: 30 * MINUTE,
      stallTimeoutMs: 5 * MINUTE,
      firstResponseTimeoutMs: 2 * MINUTE,
      toolAllowanceMs: 45 * MINUTE,
      autoContinueDelayMs: 7_000,
      maxRetries: 2,
      featureCount: 40,
      model: 'opus',
    });
  });

  it('takes durations with a unit, down to milliseconds', async () => {
    const config = await resolveRunConfig({
      flags: {
        projectDir: 'app',
        spec: 'spec.md',
        sessionTimeout: '90s',
        stallTimeout: '1500ms',
        firstResponseTimeout: '2h',
        toolAllowance: '10m',
        autoContinueDelay: '500ms',
      },
      cwd,
      env: {},
    });
    expect(config).toMatchObject({
      sessionTimeoutMs: 90_000,
      stallTimeoutMs: 1_500,
      firstResponseTimeoutMs: 2 * 60 * MINUTE,
      toolAllowanceMs: 10 * MINUTE,
      autoContinueDelayMs: 500,
    });
  });

  it.each([
    ['0', 0],
    ['0ms', 0],
    ['3', 3_000],
    ['2s', 2_000],
    ['1m', MINUTE],
  ])('accepts --auto-continue-delay %j', async (raw, ms) => {
    const config = await resolveRunConfig({
      flags: { projectDir: 'app', spec: 'spec.md', autoContinueDelay: raw },
      cwd,
      env: {},
    });
    expect(config.autoContinueDelayMs).toBe(ms);
  });

  it('accepts the longest timeout a Node timer holds, in any unit', async () => {
    for (const raw of ['35791', '35791m', `${35791 * 60}s`]) {
      const config = await resolveRunConfig({
        flags: { projectDir: 'app', spec: 'spec.md', sessionTimeout: raw },
        cwd,
        env: {},
      });
      expect(config.sessionTimeoutMs, raw).toBe(35791 * MINUTE);
    }
  });

  it('reads the budgets, the run limit, the webhook and the test settings from flags', async () => {
    const config = await resolveRunConfig({
      flags: {
        projectDir: 'app',
        spec: 'spec.md',
        maxBudgetUsd: '12.50',
        maxSessionBudgetUsd: '0.75',
        maxDuration: '8h',
        notifyUrl: 'https://hooks.example.com/services/T0/B0/x',
        testTimeout: '90s',
        regressionSample: '0',
      },
      cwd,
      env: {},
    });
    expect(config).toMatchObject({
      maxBudgetUsd: 12.5,
      maxSessionBudgetUsd: 0.75,
      maxDurationMs: 8 * 60 * MINUTE,
      notifyUrl: 'https://hooks.example.com/services/T0/B0/x',
      testTimeoutMs: 90_000,
      regressionSample: 0,
    });
    const minutes = await resolveRunConfig({
      flags: { projectDir: 'app', spec: 'spec.md', maxDuration: '90', testTimeout: '20' },
      cwd,
      env: {},
    });
    // A plain number is minutes, as for the other timeouts.
    expect(minutes).toMatchObject({ maxDurationMs: 90 * MINUTE, testTimeoutMs: 20 * MINUTE });
  });

  it('takes --json, --plain, --quiet and --verbose from flags only', async () => {
    const base = { projectDir: 'app', spec: 'spec.md' };
    expect(await resolveRunConfig({ flags: { ...base, json: true }, cwd, env: {} })).toMatchObject({
      json: true,
      plain: false,
      verbosity: 'normal',
    });
    expect((await resolveRunConfig({ flags: { ...base, plain: true }, cwd, env: {} })).plain).toBe(true);
    expect((await resolveRunConfig({ flags: { ...base, quiet: true }, cwd, env: {} })).verbosity).toBe(
      'quiet',
    );
    expect((await resolveRunConfig({ flags: { ...base, verbose: true }, cwd, env: {} })).verbosity).toBe(
      'verbose',
    );
  });

  it('reads the budgets, limits, webhook and test settings from claude-harness.json, flags first', async () => {
    await project('app', {
      maxBudgetUsd: 40,
      maxSessionBudgetUsd: 1.5,
      maxDuration: 480,
      notifyUrl: 'http://127.0.0.1:9000/hook',
      testTimeout: '2m',
      regressionSample: 10,
    });
    const fromFile = await resolveRunConfig({ flags: { projectDir: 'app', spec: 'spec.md' }, cwd, env: {} });
    expect(fromFile).toMatchObject({
      maxBudgetUsd: 40,
      maxSessionBudgetUsd: 1.5,
      maxDurationMs: 480 * MINUTE,
      notifyUrl: 'http://127.0.0.1:9000/hook',
      testTimeoutMs: 2 * MINUTE,
      regressionSample: 10,
    });
    const withFlags = await resolveRunConfig({
      flags: {
        projectDir: 'app',
        spec: 'spec.md',
        maxBudgetUsd: '5',
        regressionSample: '0',
        maxDuration: '1h',
      },
      cwd,
      env: {},
    });
    expect(withFlags).toMatchObject({
      maxBudgetUsd: 5,
      maxSessionBudgetUsd: 1.5,
      regressionSample: 0,
      maxDurationMs: 60 * MINUTE,
    });
  });

  it('turns waiting and the sandbox off with --no-wait and --no-sandbox', async () => {
    const config = await resolveRunConfig({
      flags: { projectDir: 'app', spec: 'spec.md', noWait: true, noSandbox: true },
      cwd,
      env: {},
    });
    expect(config).toMatchObject({ waitOnUsageLimit: false, sandbox: false });
  });

  it('reads durations, switches and sections from claude-harness.json', async () => {
    const secrets = { allow: [{ path: 'test/fixtures/**', rule: 'github', reason: 'fake tokens' }] };
    const policy = { allowCommands: ['make'], allowHosts: ['api.example.com'] };
    const confinement = { allowRead: ['/opt/android-sdk'] };
    await project('app', {
      sessionTimeout: 45,
      stallTimeout: '90s',
      autoContinueDelay: 0,
      toolAllowance: '1h',
      featureCount: 12,
      waitOnUsageLimit: false,
      sandbox: false,
      secrets,
      policy,
      confinement,
    });
    const config = await resolveRunConfig({ flags: { projectDir: 'app', spec: 'spec.md' }, cwd, env: {} });
    expect(config).toMatchObject({
      sessionTimeoutMs: 45 * MINUTE,
      stallTimeoutMs: 90_000,
      autoContinueDelayMs: 0,
      toolAllowanceMs: 60 * MINUTE,
      firstResponseTimeoutMs: DEFAULTS.firstResponseTimeoutMs,
      featureCount: 12,
      waitOnUsageLimit: false,
      sandbox: false,
      secrets,
      policy,
      confinement,
    });
  });

  it('lets a flag override a duration from the file', async () => {
    await project('app', { stallTimeout: '90s', sandbox: true });
    const config = await resolveRunConfig({
      flags: { projectDir: 'app', spec: 'spec.md', stallTimeout: '3', noSandbox: true },
      cwd,
      env: {},
    });
    expect(config).toMatchObject({ stallTimeoutMs: 3 * MINUTE, sandbox: false });
  });

  it('resolves --prompts-dir against the working directory and "promptsDir" against the project', async () => {
    await mkdir(join(cwd, 'my-prompts'));
    const fromFlag = await resolveRunConfig({
      flags: { projectDir: 'app', spec: 'spec.md', promptsDir: 'my-prompts' },
      cwd,
      env: {},
    });
    expect(fromFlag.promptsDir).toBe(join(cwd, 'my-prompts'));

    const dir = await project('app', { promptsDir: 'prompts' });
    await mkdir(join(dir, 'prompts'));
    const fromFile = await resolveRunConfig({ flags: { projectDir: 'app', spec: 'spec.md' }, cwd, env: {} });
    expect(fromFile.promptsDir).toBe(join(dir, 'prompts'));
  });

  it('takes flags over claude-harness.json over the defaults', async () => {
    const dir = await project('app', {
      maxIterations: 5,
      model: 'opus',
      stallTimeout: 20,
      spec: 'docs/spec.md',
    });
    await mkdir(join(dir, 'docs'));
    await writeFile(join(dir, 'docs', 'spec.md'), 'From the file.\n');

    const fromFile = await resolveRunConfig({ flags: { projectDir: 'app' }, cwd, env: {} });
    expect(fromFile).toMatchObject({
      maxIterations: 5,
      model: 'opus',
      stallTimeoutMs: 20 * MINUTE,
      sessionTimeoutMs: DEFAULTS.sessionTimeoutMs,
      // "spec" in the file is relative to the project folder.
      specPath: join(dir, 'docs', 'spec.md'),
      configFile: join(dir, CONFIG_FILE_NAME),
    });

    const withFlags = await resolveRunConfig({
      flags: { projectDir: 'app', model: 'haiku', spec: 'spec.md' },
      cwd,
      env: {},
    });
    // --spec stays relative to the working directory even when the file names another spec.
    expect(withFlags).toMatchObject({ model: 'haiku', maxIterations: 5, specPath: spec });
  });

  it('needs no spec in backlog and validation modes', async () => {
    await project('app');
    for (const mode of ['backlog', 'validation']) {
      const config = await resolveRunConfig({ flags: { projectDir: 'app', mode }, cwd, env: {} });
      expect(config.mode).toBe(mode);
      expect(config.specPath).toBeUndefined();
    }
    const fresh = await resolveRunConfig({ flags: { projectDir: 'new-app', mode: 'backlog' }, cwd, env: {} });
    expect(fresh.projectDir).toBe(join(cwd, 'new-app'));
  });

  it('accepts the mode from the file', async () => {
    await project('app', { mode: 'validation' });
    const config = await resolveRunConfig({ flags: { projectDir: 'app' }, cwd, env: {} });
    expect(config.mode).toBe('validation');
  });
});

describe('resolveRunConfig: bad input (exit 2, nothing written)', () => {
  const numericFlags = [
    { key: 'maxIterations', flag: '--max-iterations', expected: 'a whole number of 1 or more' },
    { key: 'maxRetries', flag: '--max-retries', expected: 'a whole number of 1 or more' },
    { key: 'featureCount', flag: '--feature-count', expected: 'a whole number of 1 or more' },
  ] as const;

  for (const { key, flag, expected } of numericFlags) {
    for (const value of ['abc', '1.5', '0', '-3', '', '1e3', ' 4']) {
      it(`rejects ${flag} ${JSON.stringify(value)}`, async () => {
        const error = await rejects({ projectDir: 'app', spec: 'spec.md', [key]: value });
        expect(error).toBeInstanceOf(UsageError);
        expect(error.message).toBe(`${flag} must be ${expected}; got ${JSON.stringify(value)}`);
      });
    }
  }

  const TIMEOUT_EXPECTED =
    'a whole number of minutes from 1 to 35791, or a whole number with a unit (ms, s, m, h) such as 90s, 10m or 2h, up to 35791m';
  const timeoutFlags = [
    { key: 'sessionTimeout', flag: '--session-timeout' },
    { key: 'stallTimeout', flag: '--stall-timeout' },
    { key: 'firstResponseTimeout', flag: '--first-response-timeout' },
    { key: 'toolAllowance', flag: '--tool-allowance' },
  ] as const;

  for (const { key, flag } of timeoutFlags) {
    for (const value of [
      'abc',
      '1.5',
      '0',
      '0s',
      '-3',
      '',
      '1e3',
      ' 4',
      '90 s',
      '1.5h',
      '2d',
      '1h30m',
      'm',
    ]) {
      it(`rejects ${flag} ${JSON.stringify(value)}`, async () => {
        const error = await rejects({ projectDir: 'app', spec: 'spec.md', [key]: value });
        expect(error).toBeInstanceOf(UsageError);
        expect(error.message).toBe(`${flag} must be ${TIMEOUT_EXPECTED}; got ${JSON.stringify(value)}`);
      });
    }
  }

  for (const value of ['-1', '1.5', '2d', 'abc', '', '2147461']) {
    it(`rejects --auto-continue-delay ${JSON.stringify(value)}`, async () => {
      const error = await rejects({ projectDir: 'app', spec: 'spec.md', autoContinueDelay: value });
      expect(error.message).toBe(
        `--auto-continue-delay must be a whole number of seconds from 0 to 2147460, or a whole number with a unit (ms, s, m, h) such as 500ms, 2s or 1m, up to 35791m; got ${JSON.stringify(value)}`,
      );
    });
  }

  for (const [key, flag] of [
    ['maxBudgetUsd', '--max-budget-usd'],
    ['maxSessionBudgetUsd', '--max-session-budget-usd'],
  ] as const) {
    for (const value of ['0', '0.0', '-5', 'abc', '', '$10', '1e2', '.5', '10 USD']) {
      it(`rejects ${flag} ${JSON.stringify(value)}`, async () => {
        const error = await rejects({ projectDir: 'app', spec: 'spec.md', [key]: value });
        expect(error).toBeInstanceOf(UsageError);
        expect(error.message).toBe(
          `${flag} must be an amount of US dollars greater than 0, such as 10 or 2.50; got ${JSON.stringify(value)}`,
        );
      });
    }
  }

  for (const value of ['-1', '1.5', 'all', '']) {
    it(`rejects --regression-sample ${JSON.stringify(value)}`, async () => {
      const error = await rejects({ projectDir: 'app', spec: 'spec.md', regressionSample: value });
      expect(error.message).toBe(
        `--regression-sample must be a whole number of 0 or more; got ${JSON.stringify(value)}`,
      );
    });
  }

  for (const [key, flag] of [
    ['maxDuration', '--max-duration'],
    ['testTimeout', '--test-timeout'],
  ] as const) {
    for (const value of ['0', '0s', '1.5h', '2d', 'abc', '35792']) {
      it(`rejects ${flag} ${JSON.stringify(value)}`, async () => {
        const error = await rejects({ projectDir: 'app', spec: 'spec.md', [key]: value });
        expect(error.message).toBe(`${flag} must be ${TIMEOUT_EXPECTED}; got ${JSON.stringify(value)}`);
      });
    }
  }

  it('rejects a --notify-url that is not http or https, without repeating it', async () => {
    const wrongScheme = await rejects({
      projectDir: 'app',
      spec: 'spec.md',
      notifyUrl: 'ftp://hooks.example.com/secret-token',
    });
    expect(wrongScheme).toBeInstanceOf(UsageError);
    expect(wrongScheme.message).toBe(
      '--notify-url must be an http:// or https:// URL; got a URL that starts with ftp: (not shown, as it may hold a token)',
    );
    for (const value of ['hooks.example.com/secret-token', 'https://', '']) {
      const error = await rejects({ projectDir: 'app', spec: 'spec.md', notifyUrl: value });
      expect(error.message, value).toBe(
        '--notify-url must be an http:// or https:// URL; got something that is not a valid URL (not shown, as it may hold a token)',
      );
      expect(error.message).not.toContain('secret-token');
    }
  });

  it('rejects --quiet with --verbose', async () => {
    const error = await rejects({ projectDir: 'app', spec: 'spec.md', quiet: true, verbose: true });
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toBe(
      '--quiet and --verbose cannot be used together: pass one of them, or neither for the normal output',
    );
  });

  it('rejects timeouts longer than a Node timer can hold, in every unit', async () => {
    for (const value of ['35792', '35792m', '597h', `${35791 * 60 + 1}s`, '99999999999999999999ms']) {
      const error = await rejects({ projectDir: 'app', spec: 'spec.md', sessionTimeout: value });
      expect(error.message, value).toMatch(
        /^--session-timeout must be a whole number of minutes from 1 to 35791/,
      );
    }
  });

  it('rejects a --prompts-dir that is missing or a file', async () => {
    const missing = await rejects({ projectDir: 'app', spec: 'spec.md', promptsDir: 'nope' });
    expect(missing).toBeInstanceOf(ConfigError);
    expect(missing.message).toBe(
      `prompts folder not found: ${join(cwd, 'nope')} (--prompts-dir "nope" is relative to ${cwd}); check the path`,
    );
    const file = await rejects({ projectDir: 'app', spec: 'spec.md', promptsDir: 'spec.md' });
    expect(file.message).toBe(
      `prompts folder ${spec} is not a folder: point --prompts-dir at the folder that holds your initializer.md, initializer-retry.md or coding.md`,
    );
    expect((await rejects({ projectDir: 'app', spec: 'spec.md', promptsDir: '' })).message).toBe(
      '--prompts-dir must be the path of a folder; got ""',
    );
  });

  it('names the config file when its prompts folder is missing', async () => {
    const dir = await project('app', { promptsDir: 'prompts' });
    const error = await rejects({ projectDir: 'app', spec: 'spec.md' });
    expect(error.message).toBe(
      `prompts folder not found: ${join(dir, 'prompts')} ("promptsDir" in ${join(dir, CONFIG_FILE_NAME)} is relative to the project folder); check the path`,
    );
  });

  it('rejects bad durations, switches and sections in the file, one line each', async () => {
    const dir = await project('app', {
      stallTimeout: '90',
      autoContinueDelay: -1,
      sandbox: 'no',
      secrets: { allow: [{ path: '../x' }] },
      policy: { allowCommands: ['a b'], colour: 1 },
      confinement: { allowRead: ['relative/sdk', '~', '/'] },
    });
    const error = await rejects({ projectDir: 'app', spec: 'spec.md' });
    const file = join(dir, CONFIG_FILE_NAME);
    expect(error.message.split('\n')).toEqual([
      `${file}: "stallTimeout" must be ${TIMEOUT_EXPECTED}; got "90" (a string)`,
      `${file}: "autoContinueDelay" must be a whole number of seconds from 0 to 2147460, or a whole number with a unit (ms, s, m, h) such as 500ms, 2s or 1m, up to 35791m; got -1`,
      `${file}: "sandbox" must be true or false; got "no"`,
      `${file}: "secrets.allow[0].path": \`path\` must be relative to the project folder, without \`..\`; got "../x"`,
      `${file}: "secrets.allow[0].reason": an allowance needs a \`reason\``,
      `${file}: "policy.allowCommands[0]": a command name (no spaces or paths), e.g. "make"; got "a b"`,
      `${file}: "policy" has unknown key "colour"`,
      `${file}: "confinement.allowRead[0]": each \`allowRead\` path must be absolute or start with ~/; got "relative/sdk"`,
      `${file}: "confinement.allowRead[1]": \`allowRead\` cannot open the whole file system or the whole home folder; got "~"`,
      `${file}: "confinement.allowRead[2]": \`allowRead\` cannot open the whole file system or the whole home folder; got "/"`,
    ]);
  });

  it('rejects an unknown mode and lists the valid ones', async () => {
    const error = await rejects({ projectDir: 'app', spec: 'spec.md', mode: 'greenfeild' });
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toBe(
      `--mode must be one of ${MODES.join(', ')}; got "greenfeild" (did you mean greenfield?)`,
    );
  });

  it('rejects an empty --model', async () => {
    const error = await rejects({ projectDir: 'app', spec: 'spec.md', model: ' ' });
    expect(error.message).toBe('--model must be a model ID or alias such as sonnet; got " "');
  });

  it('requires --project-dir', async () => {
    const error = await rejects({ spec: 'spec.md' });
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toBe(PROJECT_DIR_REQUIRED);
    expect(error.message).toBe(
      '--project-dir is required: the folder where the harness builds or extends your project',
    );
  });

  it('rejects an empty --project-dir and a quoted ~', async () => {
    expect((await rejects({ projectDir: '', spec: 'spec.md' })).message).toBe(
      '--project-dir must be the path of a folder; got ""',
    );
    expect((await rejects({ projectDir: '~/app', spec: 'spec.md' })).message).toMatch(
      /^--project-dir "~\/app" starts with ~, which only the shell expands/,
    );
  });

  for (const mode of ['greenfield', 'enhancement', 'bugfix'] as const) {
    it(`requires --spec in ${mode} mode`, async () => {
      await project('app');
      const error = await rejects({ projectDir: 'app', mode });
      expect(error).toBeInstanceOf(UsageError);
      expect(error.message).toMatch(new RegExp(`^--spec is required in ${mode} mode: pass the file`));
      expect(error.message).toMatch(/backlog and validation modes need none$/);
    });
  }

  it('rejects a spec file that does not exist', async () => {
    const error = await rejects({ projectDir: 'app', spec: 'missing.md' });
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toBe(
      `spec file not found: ${join(cwd, 'missing.md')} (--spec "missing.md" is relative to ${cwd}); check the path`,
    );
  });

  it('rejects a spec that is a folder', async () => {
    await mkdir(join(cwd, 'specs'));
    const error = await rejects({ projectDir: 'app', spec: 'specs' });
    expect(error.message).toBe(
      `spec ${join(cwd, 'specs')} is a folder, not a file: point --spec at the spec file itself`,
    );
  });

  it('rejects a spec that is a broken symbolic link', async () => {
    await symlink(join(cwd, 'gone.md'), join(cwd, 'link.md'));
    const error = await rejects({ projectDir: 'app', spec: 'link.md' });
    expect(error.message).toBe(
      `spec ${join(cwd, 'link.md')} is a broken symbolic link (to ${join(cwd, 'gone.md')}): fix the link or point --spec at the real file`,
    );
  });

  it('rejects an empty spec file', async () => {
    await writeFile(join(cwd, 'empty.md'), ' \n\n');
    const error = await rejects({ projectDir: 'app', spec: 'empty.md' });
    expect(error.message).toBe(
      `spec ${join(cwd, 'empty.md')} is empty: describe what to build in it, then run again`,
    );
  });

  it('names the config file when its spec is missing', async () => {
    const dir = await project('app', { spec: 'nope.md' });
    const error = await rejects({ projectDir: 'app' });
    const file = join(dir, CONFIG_FILE_NAME);
    expect(error.message).toBe(
      `spec file not found: ${join(dir, 'nope.md')} ("spec" in ${file} is relative to the project folder); check the path`,
    );
  });

  it('rejects malformed JSON in the config file, naming the file and the position', async () => {
    const dir = await project('app', '{\n  "model": "opus",\n}\n');
    const error = await rejects({ projectDir: 'app', spec: 'spec.md' });
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toBe(
      `${join(dir, CONFIG_FILE_NAME)} is not valid JSON at line 3, column 1 (position 21): remove the comma before '}'; fix it or delete the file`,
    );
  });

  it('rejects an unknown config key, naming it and the valid keys', async () => {
    const dir = await project('app', { maxIteration: 3 });
    const error = await rejects({ projectDir: 'app', spec: 'spec.md' });
    expect(error.message).toBe(
      `${join(dir, CONFIG_FILE_NAME)}: unknown key "maxIteration" (did you mean "maxIterations"?); valid keys are ${PROJECT_CONFIG_KEYS.join(', ')}`,
    );
  });

  it('rejects config values of the wrong type, one line each', async () => {
    const dir = await project('app', { maxIterations: '5', mode: 'fast', sessionTimeout: 0, model: 42 });
    const error = await rejects({ projectDir: 'app', spec: 'spec.md' });
    const file = join(dir, CONFIG_FILE_NAME);
    expect(error.message.split('\n')).toEqual([
      `${file}: "mode" must be one of ${MODES.join(', ')}; got "fast"`,
      `${file}: "maxIterations" must be a whole number of 1 or more; got "5" (a string)`,
      `${file}: "model" must be a model ID or alias such as sonnet; got 42`,
      `${file}: "sessionTimeout" must be ${TIMEOUT_EXPECTED}; got 0`,
    ]);
  });

  it('rejects a --project-dir that is a file', async () => {
    await writeFile(join(cwd, 'app'), 'not a folder');
    const error = await rejects({ projectDir: 'app', spec: 'spec.md' });
    expect(error.message).toBe(
      `--project-dir ${join(cwd, 'app')} is a file, not a folder: pass the project's folder (greenfield mode creates it when missing)`,
    );
  });

  for (const mode of ['enhancement', 'bugfix', 'validation'] as const) {
    it(`requires an existing project folder in ${mode} mode`, async () => {
      const error = await rejects({ projectDir: 'missing-app', spec: 'spec.md', mode });
      expect(error.message).toBe(
        `--project-dir ${join(cwd, 'missing-app')} does not exist: ${mode} mode works on an existing project; check the path, or use --mode greenfield to start a new one`,
      );
    });
  }

  it('does not add mode-dependent problems when the config file is broken', async () => {
    await project('app', '{"mode": "enhancement", "spec": "x.md",}');
    const error = await rejects({ projectDir: 'app' });
    expect(error.message.split('\n')).toHaveLength(1);
    expect(error.message).toMatch(/is not valid JSON at line 1, column 40 \(position 39\)/);
  });

  it('reports every problem at once, one line each', async () => {
    const error = await rejects({ maxIterations: 'abc', stallTimeout: '0', spec: 'missing.md' });
    expect(error).toBeInstanceOf(UsageError);
    const lines = error.message.split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^--max-iterations /);
    expect(lines[1]).toMatch(/^--stall-timeout /);
    expect(lines[2]).toBe(PROJECT_DIR_REQUIRED);
    expect(lines[3]).toMatch(/^spec file not found: /);
  });
});
