import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findJsonSyntaxProblem } from '../../src/config/json-syntax.js';
import { loadProjectConfig, parseProjectConfig, readProjectConfig } from '../../src/config/load.js';
import { PROJECT_CONFIG_KEYS } from '../../src/config/schema.js';
import { CONFIG_FILE_NAME } from '../../src/config/types.js';
import { ConfigError } from '../../src/errors/index.js';

const FILE = '/p/claude-harness.json';

function problems(text: string): string[] {
  const parsed = parseProjectConfig(text, FILE);
  if (parsed.ok) throw new Error('expected problems');
  return parsed.problems;
}

describe('parseProjectConfig', () => {
  it('accepts every key', () => {
    const config = {
      $schema: './node_modules/claude-harness/schema/claude-harness.schema.json',
      spec: 'app_spec.txt',
      mode: 'enhancement',
      maxIterations: 10,
      maxDuration: '8h',
      maxBudgetUsd: 25,
      maxSessionBudgetUsd: 2.5,
      model: 'opus',
      sessionTimeout: 60,
      stallTimeout: '90s',
      firstResponseTimeout: '5m',
      toolAllowance: '1h',
      testTimeout: 15,
      autoContinueDelay: 0,
      maxRetries: 2,
      regressionSample: 0,
      featureCount: 50,
      promptsDir: 'prompts',
      notifyUrl: 'https://hooks.example.com/services/T0/B0/secret',
      waitOnUsageLimit: false,
      sandbox: true,
      secrets: { allow: [{ path: 'test/fixtures/**', rule: 'github', reason: 'fake tokens for tests' }] },
      policy: { allowCommands: ['make'], denyCommands: ['curl'], allowInlineCode: false },
      confinement: { allowRead: ['/opt/sdk', '~/.gradle'] },
    };
    expect(Object.keys(config)).toEqual(PROJECT_CONFIG_KEYS);
    expect(parseProjectConfig(JSON.stringify(config), FILE)).toEqual({ ok: true, config });
  });

  it('accepts an empty object and a byte order mark', () => {
    expect(parseProjectConfig('\ufeff{}', FILE)).toEqual({ ok: true, config: {} });
  });

  it('rejects an empty file', () => {
    expect(problems('  \n')).toEqual([
      `${FILE} is empty: write a JSON object such as {"mode": "greenfield"}, or delete it`,
    ]);
  });

  it('rejects JSON that is not an object', () => {
    expect(problems('["sonnet"]')).toEqual([
      `${FILE} must hold a JSON object such as {"mode": "greenfield"}, not ["sonnet"] (a list)`,
    ]);
    expect(problems('null')[0]).toMatch(/not null$/);
  });

  it.each([
    ['{"model": }', 'line 1, column 11 (position 10): expected a value'],
    ['{"model": "opus"', 'line 1, column 17 (position 16): unexpected end of file'],
    ['{\n  "a": 1\n  "b": 2\n}', "line 3, column 3 (position 13): expected ',' or '}' after a value"],
    ["{'model': 'opus'}", 'line 1, column 2 (position 1): expected a key in double quotes'],
    ['{"model": "opus",}', "line 1, column 18 (position 17): remove the comma before '}'"],
    ['// settings\n{}', 'line 1, column 1 (position 0): comments are not allowed in JSON'],
    ['{"model": "op\nus"}', 'line 1, column 14 (position 13): control character inside a string'],
    ['{} {}', 'line 1, column 4 (position 3): unexpected text after the end of the JSON value'],
  ])('locates the syntax error in %j', (text, where) => {
    const [problem] = problems(text);
    expect(problem).toMatch(new RegExp(`^${escapeRegExp(`${FILE} is not valid JSON at ${where}`)}`));
    expect(problem).toMatch(/; fix it or delete the file$/);
  });

  it('lists every unknown key with a suggestion', () => {
    const keys =
      '$schema, spec, mode, maxIterations, maxDuration, maxBudgetUsd, maxSessionBudgetUsd, model, sessionTimeout, stallTimeout, firstResponseTimeout, toolAllowance, testTimeout, autoContinueDelay, maxRetries, regressionSample, featureCount, promptsDir, notifyUrl, waitOnUsageLimit, sandbox, secrets, policy, confinement';
    expect(problems('{"modle": "opus", "colour": "red", "noSandbox": true}')).toEqual([
      `${FILE}: unknown key "modle" (did you mean "mode"?); valid keys are ${keys}`,
      `${FILE}: unknown key "colour"; valid keys are ${keys}`,
      `${FILE}: unknown key "noSandbox" (did you mean "sandbox"?); valid keys are ${keys}`,
    ]);
  });

  it('rejects bad budgets, samples and webhooks, never repeating the URL', () => {
    expect(
      problems(
        JSON.stringify({
          maxBudgetUsd: 0,
          maxSessionBudgetUsd: '2',
          regressionSample: -1,
          notifyUrl: 'ftp://hooks.example.com/T0/secret-token',
        }),
      ),
    ).toEqual([
      `${FILE}: "maxBudgetUsd" must be an amount of US dollars greater than 0, such as 10 or 2.50; got 0`,
      `${FILE}: "maxSessionBudgetUsd" must be an amount of US dollars greater than 0, such as 10 or 2.50; got "2" (a string)`,
      `${FILE}: "regressionSample" must be a whole number of 0 or more; got -1`,
      `${FILE}: "notifyUrl" must be an http:// or https:// URL; got a URL that starts with ftp: (not shown, as it may hold a token)`,
    ]);
    expect(problems('{"notifyUrl": "not a url secret-token"}')).toEqual([
      `${FILE}: "notifyUrl" must be an http:// or https:// URL; got something that is not a valid URL (not shown, as it may hold a token)`,
    ]);
    expect(problems('{"notifyUrl": 42}')[0]).toMatch(/; got 42$/);
    // Flags only: --json, --quiet and --verbose have no key.
    expect(problems('{"json": true}')[0]).toMatch(/unknown key "json"/);
    expect(problems('{"verbosity": "quiet"}')[0]).toMatch(/unknown key "verbosity"/);
  });

  it('rejects wrong types, naming the key and the value', () => {
    expect(problems('{"maxRetries": 1.5, "spec": "", "$schema": 3, "stallTimeout": [1]}')).toEqual([
      `${FILE}: "$schema" must be a string; got 3`,
      `${FILE}: "spec" must be the path of a file; got ""`,
      `${FILE}: "stallTimeout" must be a whole number of minutes from 1 to 35791, or a whole number with a unit (ms, s, m, h) such as 90s, 10m or 2h, up to 35791m; got [1] (a list)`,
      `${FILE}: "maxRetries" must be a whole number of 1 or more; got 1.5`,
    ]);
  });
});

describe('the file-only sections', () => {
  it('names each problem inside a section by its path, with the module’s own message', () => {
    expect(
      problems(
        JSON.stringify({
          secrets: {
            allow: [
              { path: '/etc/passwd', reason: ' ' },
              { path: 'a', reason: 'b', why: 1 },
            ],
          },
          policy: { allowHosts: ['a b'] },
        }),
      ),
    ).toEqual([
      `${FILE}: "secrets.allow[0].path": \`path\` must be relative to the project folder, without \`..\`; got "/etc/passwd"`,
      `${FILE}: "secrets.allow[0].reason": \`reason\` must say why this is allowed; got " "`,
      `${FILE}: "secrets.allow[1]" has unknown key "why"`,
      `${FILE}: "policy.allowHosts[0]": a host name, "*.example.com" or "[::1]"; got "a b"`,
    ]);
  });

  it('says a section must be an object', () => {
    expect(problems('{"secrets": 5, "policy": ["make"]}')).toEqual([
      `${FILE}: "secrets" must be an object (see docs/config.md); got 5`,
      `${FILE}: "policy" must be an object (see docs/config.md); got ["make"] (a list)`,
    ]);
  });
});

describe('findJsonSyntaxProblem', () => {
  it('agrees with JSON.parse on what is valid', () => {
    const samples = [
      '{}',
      '[]',
      ' 0 ',
      '-0.5e+3',
      '"\\u00e9\\n"',
      '{"a":[1,{"b":null}],"c":true,"d":false}',
      '01',
      '1.',
      '-',
      '"\\x"',
      '"\\u12"',
      '[1,]',
      '{"a" 1}',
      'tru',
      '[1 2]',
      '"unterminated',
      '{"a":1}}',
      '\t\r\n[ ]\n',
    ];
    for (const sample of samples) {
      let valid = true;
      try {
        JSON.parse(sample);
      } catch {
        valid = false;
      }
      expect(findJsonSyntaxProblem(sample) === undefined, sample).toBe(valid);
    }
  });
});

describe('readProjectConfig and loadProjectConfig', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'claude-harness-load-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('treats a missing file as no settings', async () => {
    expect(await readProjectConfig(dir)).toEqual({ status: 'absent', path: join(dir, CONFIG_FILE_NAME) });
    expect(await loadProjectConfig(dir)).toBeUndefined();
  });

  it('reads a valid file', async () => {
    await writeFile(join(dir, CONFIG_FILE_NAME), '{"model": "opus"}');
    expect(await loadProjectConfig(dir)).toEqual({
      path: join(dir, CONFIG_FILE_NAME),
      config: { model: 'opus' },
    });
  });

  it('reports a folder in place of the file', async () => {
    await mkdir(join(dir, CONFIG_FILE_NAME));
    const result = await readProjectConfig(dir);
    expect(result).toEqual({
      status: 'invalid',
      path: join(dir, CONFIG_FILE_NAME),
      problems: [
        `${join(dir, CONFIG_FILE_NAME)} is a folder: ${CONFIG_FILE_NAME} must be a JSON file; remove or rename the folder`,
      ],
    });
  });

  it('throws one ConfigError (exit 2) listing every problem', async () => {
    await writeFile(join(dir, CONFIG_FILE_NAME), '{"a": 1, "b": 2}');
    const error = await loadProjectConfig(dir).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).exitCode).toBe(2);
    expect((error as ConfigError).message.split('\n')).toHaveLength(2);
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
