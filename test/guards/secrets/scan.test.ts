import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { secretsConfigSchema } from '../../../src/guards/secrets/config.js';
import { matchesGlob } from '../../../src/guards/secrets/glob.js';
import { maskSecret, scanText } from '../../../src/guards/secrets/scan.js';
import {
  ANTHROPIC_KEY,
  ANTHROPIC_OAUTH,
  AWS_KEY_ID,
  GITHUB_TOKEN,
  PEM_HEADER,
  pemKey,
  SLACK_TOKEN,
} from './fixtures.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

describe('scanText', () => {
  it('finds a GitHub token with its line, column and masked value', async () => {
    const hits = await scanText(`const a = 1;\nconst token = "${GITHUB_TOKEN}";\n`, { fileName: 'src/a.ts' });
    expect(hits).toEqual([
      {
        file: 'src/a.ts',
        line: 2,
        column: 16,
        ruleId: 'github',
        message: 'GitHub Token',
        masked: 'ghp_… (40 chars)',
      },
    ]);
    expect(JSON.stringify(hits)).not.toContain(GITHUB_TOKEN);
  });

  it('finds an AWS access key id (the ID scan rule is on)', async () => {
    const hits = await scanText(`aws_access_key_id = ${AWS_KEY_ID}\n`, { fileName: 'config.ini' });
    expect(hits.map((h) => h.ruleId)).toEqual(['aws']);
    expect(hits[0]?.masked).toBe('AKIA… (20 chars)');
  });

  it('finds a whole PEM private key once, and a PEM header on its own', async () => {
    const whole = await scanText(`key:\n${pemKey()}`, { fileName: 'key.pem' });
    expect(whole).toHaveLength(1);
    expect(whole[0]).toMatchObject({ ruleId: 'privatekey', line: 2, column: 1 });
    const header = await scanText(`x = """${PEM_HEADER}\nMIIE...\n"""`, { fileName: 'a.py' });
    expect(header).toMatchObject([{ ruleId: 'private-key-header', line: 1, column: 8 }]);
  });

  it('finds Anthropic API keys (the preset) and OAuth tokens (our rule)', async () => {
    const hits = await scanText(`A=${ANTHROPIC_KEY}\nB=${ANTHROPIC_OAUTH}\n`, { fileName: '.env' });
    expect(hits.map((h) => [h.ruleId, h.line])).toEqual([
      ['anthropic', 1],
      ['anthropic-token', 2],
    ]);
  });

  it('finds Slack tokens', async () => {
    const hits = await scanText(`slack: ${SLACK_TOKEN}`, { fileName: 'a.yml' });
    expect(hits.map((h) => h.ruleId)).toEqual(['slack']);
  });

  it('ignores `secretlint-disable` comments: the agent cannot silence the scan', async () => {
    const text = `// secretlint-disable\nconst t = "${GITHUB_TOKEN}"; // secretlint-disable-line\n`;
    expect(await scanText(text, { fileName: 'a.ts' })).toHaveLength(1);
  });

  it('does not guess allowances from names or words: a token in an example file is still found', async () => {
    const hits = await scanText(`// example, test only\nexport const token = '${GITHUB_TOKEN}';\n`, {
      fileName: 'examples/test/config.example.ts',
    });
    expect(hits).toHaveLength(1);
  });

  it('raises no false alarm on ordinary code that talks about keys, tokens and examples', async () => {
    const text = [
      '// Example: read the API key from the environment (test setup sets a fake one).',
      'const apiKey = process.env.ANTHROPIC_API_KEY ?? "";',
      'const password = "example";',
      "const token = 'test-token';",
      'export const PLACEHOLDER = "<YOUR_API_KEY>";',
      'const pem = "-----BEGIN CERTIFICATE-----";',
      'if (line.startsWith("sk-ant-")) redact(line);',
      'const url = "https://example.com/api?key=" + key;',
      'const sha = "3f786850e387550fdab836ed7e6dc881de23001b";',
    ].join('\n');
    expect(await scanText(text, { fileName: 'src/example.test.ts' })).toEqual([]);
  });

  it("raises no false alarm over this project's own committed sources", async () => {
    const listed = await run('git', ['ls-files', '-z', 'src'], { cwd: ROOT });
    const files = listed.stdout.split('\0').filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(20);
    const hits = [];
    for (const file of files) {
      hits.push(...(await scanText(await readFile(join(ROOT, file), 'utf8'), { fileName: file })));
    }
    expect(hits).toEqual([]);
  });

  it('applies allowances by path glob, and by rule when one is named', async () => {
    const text = `t1 = "${GITHUB_TOKEN}"\nt2 = "${AWS_KEY_ID}"\n`;
    const allow = [{ path: 'test/fixtures/**', rule: 'github', reason: 'fake tokens' }];
    const inFixtures = await scanText(text, { fileName: 'test/fixtures/deep/tokens.txt', allow });
    expect(inFixtures.map((h) => h.ruleId)).toEqual(['aws']);
    const elsewhere = await scanText(text, { fileName: 'src/tokens.txt', allow });
    expect(elsewhere.map((h) => h.ruleId)).toEqual(['github', 'aws']);
    const everyRule = await scanText(text, {
      fileName: './test/fixtures/tokens.txt',
      allow: [{ path: 'test/fixtures/tokens.txt', reason: 'fake tokens' }],
    });
    expect(everyRule).toEqual([]);
    const fullRuleId = await scanText(text, {
      fileName: 'a.txt',
      allow: [{ path: 'a.txt', rule: '@secretlint/secretlint-rule-aws', reason: 'fake' }],
    });
    expect(fullRuleId.map((h) => h.ruleId)).toEqual(['github']);
  });

  it('counts lines and columns after a BOM and in CRLF text', async () => {
    const hits = await scanText(`\ufeffa\r\nb = ${GITHUB_TOKEN}\r\n`, { fileName: 'a.txt' });
    expect(hits[0]).toMatchObject({ line: 2, column: 5 });
  });
});

describe('maskSecret', () => {
  it('shows at most 4 characters and the length', () => {
    expect(maskSecret('abcdefghijklmnopqrst')).toBe('abcd… (20 chars)');
    expect(maskSecret('abcdefghij')).toBe('ab… (10 chars)');
    expect(maskSecret('abc')).toBe('… (3 chars)');
  });
});

describe('matchesGlob', () => {
  it.each([
    ['test/fixtures/a.txt', 'test/fixtures/*', true],
    ['test/fixtures/.env', 'test/fixtures/*', true],
    ['test/fixtures/a/b.txt', 'test/fixtures/*', false],
    ['test/fixtures/a/b.txt', 'test/fixtures/**', true],
    ['test/fixtures/a/b.txt', 'test/**/b.txt', true],
    ['test/b.txt', 'test/**/b.txt', true],
    ['a/fixtures/key.pem', '**/fixtures/*.pem', true],
    ['fixtures/key.pem', '**/fixtures/*.pem', true],
    ['fixtures/key.pem.bak', '**/fixtures/*.pem', false],
    ['a1.txt', 'a?.txt', true],
    ['a/.txt', 'a?.txt', false],
    ['src/a.ts', './src/a.ts', true],
    ['src/a+b (1).ts', 'src/a+b (1).ts', true],
    ['src/aXb.ts', 'src/a.b.ts', false],
    ['anything/at/all', '**', true],
  ])('%s against %s: %s', (path, pattern, expected) => {
    expect(matchesGlob(path, pattern)).toBe(expected);
  });
});

describe('secretsConfigSchema', () => {
  it('accepts allowances with a reason and rejects unknown keys, absolute paths and missing reasons', () => {
    expect(
      secretsConfigSchema.safeParse({ allow: [{ path: 'test/**', rule: 'github', reason: 'fakes' }] })
        .success,
    ).toBe(true);
    expect(secretsConfigSchema.safeParse({}).success).toBe(true);
    expect(secretsConfigSchema.safeParse({ allow: [{ path: 'test/**' }] }).success).toBe(false);
    expect(secretsConfigSchema.safeParse({ allow: [{ path: '/etc/x', reason: 'r' }] }).success).toBe(false);
    expect(secretsConfigSchema.safeParse({ allow: [{ path: '../x', reason: 'r' }] }).success).toBe(false);
    expect(secretsConfigSchema.safeParse({ allowAll: true }).success).toBe(false);
  });
});
