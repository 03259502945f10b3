import { rules as presetRules } from '@secretlint/secretlint-rule-preset-recommend';
import { describe, expect, it } from 'vitest';
import { EXTRA_RULES, scanText, shortRuleId } from '../../src/guards/secrets/scan.js';
import {
  createRedactor,
  looksSecret,
  redactDeep,
  SECRET_PATTERNS,
  secretEnvValues,
} from '../../src/report/redact.js';
import {
  ANTHROPIC_KEY,
  ANTHROPIC_OAUTH,
  AWS_KEY_ID,
  GITHUB_TOKEN,
  PEM_HEADER,
  pemKey,
  SLACK_TOKEN,
} from '../guards/secrets/fixtures.js';

const env = {
  ANTHROPIC_API_KEY: 'sk-ant-api03-not-really-a-key-but-long',
  CLAUDE_CODE_OAUTH_TOKEN: 'oauth-token-value-123456',
  AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCY0123456789',
  GITHUB_TOKEN: 'plain-gh-token-value',
  DB_PASSWORD: 'hunter2hunter2',
  SHORT_TOKEN: 'abc',
  GIT_AUTHOR_NAME: 'Jonathan Smithson',
  HOME: '/home/someone',
  PATH: '/usr/bin:/bin',
};

describe('createRedactor', () => {
  const redact = createRedactor({ env, extraSecrets: { WEBHOOK: 'https://hooks.internal/abc123' } });

  it('replaces values of secret-looking variables with their names', () => {
    expect(redact(`key=${env.ANTHROPIC_API_KEY} oauth=${env.CLAUDE_CODE_OAUTH_TOKEN}`)).toBe(
      'key=[REDACTED:ANTHROPIC_API_KEY] oauth=[REDACTED:CLAUDE_CODE_OAUTH_TOKEN]',
    );
    expect(redact(`aws ${env.AWS_SECRET_ACCESS_KEY} gh ${env.GITHUB_TOKEN} db ${env.DB_PASSWORD}`)).toBe(
      'aws [REDACTED:AWS_SECRET_ACCESS_KEY] gh [REDACTED:GITHUB_TOKEN] db [REDACTED:DB_PASSWORD]',
    );
    expect(redact('post to https://hooks.internal/abc123 now')).toBe('post to [REDACTED:WEBHOOK] now');
  });

  it('leaves short values, non-secret names and ordinary text alone', () => {
    expect(redact('abc by Jonathan Smithson in /home/someone with /usr/bin:/bin')).toBe(
      'abc by Jonathan Smithson in /home/someone with /usr/bin:/bin',
    );
    expect(secretEnvValues(env).has('SHORT_TOKEN')).toBe(false);
    expect(secretEnvValues(env).has('GIT_AUTHOR_NAME')).toBe(false);
  });

  it('redacts well-known token shapes that are not in the environment', () => {
    const plain = createRedactor({ env: {} });
    expect(plain(`a ${ANTHROPIC_KEY} b ${ANTHROPIC_OAUTH}`)).toBe(
      'a [REDACTED:anthropic-key] b [REDACTED:anthropic-key]',
    );
    expect(plain(`gh ${GITHUB_TOKEN} pat github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuv`)).toBe(
      'gh [REDACTED:github-token] pat [REDACTED:github-token]',
    );
    expect(plain(`id ${AWS_KEY_ID}, slack ${SLACK_TOKEN}`)).toBe(
      'id [REDACTED:aws-key-id], slack [REDACTED:slack-token]',
    );
    expect(plain('Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc_DEF-123')).toBe(
      'Authorization: Bearer [REDACTED:bearer]',
    );
  });

  it('redacts whole PEM private key blocks, also JSON-escaped or cut short', () => {
    const plain = createRedactor({ env: {} });
    const key = pemKey();
    expect(plain(`before\n${key}after`)).toBe('before\n[REDACTED:private-key]\nafter');
    expect(plain(JSON.stringify({ key }))).toBe('{"key":"[REDACTED:private-key]\\n"}');
    const cut = `${PEM_HEADER}\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nBKcwggSjAgEAAoIBAQC7\nthe end of the log.`;
    expect(plain(cut)).toBe('[REDACTED:private-key]\nthe end of the log.');
  });

  it('is idempotent and leaves text without secrets unchanged', () => {
    const once = redact(`x ${GITHUB_TOKEN} ${env.DB_PASSWORD}`);
    expect(redact(once)).toBe(once);
    expect(redact('')).toBe('');
    expect(redact('nothing to see here: sk-ant- is a prefix')).toBe(
      'nothing to see here: sk-ant- is a prefix',
    );
  });

  it('prefers the longest value when one secret contains another', () => {
    const nested = createRedactor({ env: { OUTER_TOKEN: 'abcdefgh-ijklmnop', INNER_TOKEN: 'abcdefgh' } });
    expect(nested('abcdefgh-ijklmnop and abcdefgh')).toBe(
      '[REDACTED:OUTER_TOKEN] and [REDACTED:INNER_TOKEN]',
    );
  });

  it('redacts 1 MB of log text in well under 150 ms (about 15 ms measured)', () => {
    const line = `tool_result: ok ${'lorem ipsum dolor sit amet '.repeat(3)} ${env.GITHUB_TOKEN}\n`;
    const text = line.repeat(Math.ceil(1_000_000 / line.length));
    redact(text);
    const started = performance.now();
    const out = redact(text);
    const elapsed = performance.now() - started;
    expect(out).not.toContain(env.GITHUB_TOKEN);
    expect(elapsed).toBeLessThan(150);
  });
});

describe('redactDeep', () => {
  it('redacts every string in a JSON value, keeping keys, numbers and shape', () => {
    const redact = createRedactor({ env });
    const event = {
      type: 'tool_call',
      input: { command: `curl -H "x-api-key: ${env.ANTHROPIC_API_KEY}"`, n: 3, ok: true, none: null },
      list: [GITHUB_TOKEN, 1, [env.DB_PASSWORD]],
    };
    expect(redactDeep(event, redact)).toEqual({
      type: 'tool_call',
      input: { command: 'curl -H "x-api-key: [REDACTED:ANTHROPIC_API_KEY]"', n: 3, ok: true, none: null },
      list: ['[REDACTED:github-token]', 1, ['[REDACTED:DB_PASSWORD]']],
    });
    expect(event.list[0]).toBe(GITHUB_TOKEN); // the input is not changed
    const cyclic: Record<string, unknown> = { a: GITHUB_TOKEN };
    cyclic.self = cyclic;
    expect(redactDeep(cyclic, redact)).toEqual({ a: '[REDACTED:github-token]', self: '[Circular]' });
  });
});

const j = (...parts: string[]) => parts.join('');
const AWS_SECRET = j('wJalrXUtnFEMI/K7MDENG', '/bPxRfiCYzXAMPLEKEY');

describe('the redactor and the secrets scanner share their rules', () => {
  it("has a row for every rule of the preset the scanner runs, and for the scanner's own rules", () => {
    const covered = new Set(SECRET_PATTERNS.flatMap((p) => p.rule));
    const scannerRules = [
      ...presetRules.map((r) => shortRuleId(r.meta.id)).filter((id) => id !== 'filter-comments'),
      ...EXTRA_RULES.map((r) => r.id),
    ];
    expect(scannerRules.filter((id) => !covered.has(id))).toEqual([]);
  });

  // Each value is one the scanner reports (checked here), so a row that drifts from its rule shows up.
  const samples: [rule: string, text: string, secret: string, file?: string][] = [
    ['anthropic', `key = ${ANTHROPIC_KEY}`, ANTHROPIC_KEY],
    ['anthropic-token', `CLAUDE_CODE_OAUTH_TOKEN=${ANTHROPIC_OAUTH}`, ANTHROPIC_OAUTH],
    ['aws', `id = ${AWS_KEY_ID}`, AWS_KEY_ID],
    ['aws', `aws_secret_access_key = ${AWS_SECRET}`, AWS_SECRET],
    ['aws', `"AWS_SECRET_ACCESS_KEY": "${AWS_SECRET}"`, AWS_SECRET],
    ['github', `token ${GITHUB_TOKEN}`, GITHUB_TOKEN],
    ['private-key-header', `${PEM_HEADER}\n`, PEM_HEADER],
    ['privatekey', pemKey(), pemKey().split('\n')[1] as string],
    ['slack', `slack ${SLACK_TOKEN}`, SLACK_TOKEN],
    [
      'slack',
      j('https://hooks.slack.com', '/services/T00000000/B00000000/', 'XXXXXXXXXXXXXXXXXXXXXXXX'),
      'XXXXXXXXXXXXXXXXXXXXXXXX',
    ],
    ['basicauth', j('https://admin:', 'Zq9sLx2Pw', '@example.com/path'), 'Zq9sLx2Pw'],
    ['database-connection-string', j('postgres://app:', 'Zq9sLx2Pw', '@db.internal:5432/app'), 'Zq9sLx2Pw'],
    ['database-connection-string', j('mongodb://app:', 'Zq9sLx2Pw', '@db.internal/app'), 'Zq9sLx2Pw'],
    [
      'linear',
      j('lin_', 'api_', 'Ab3dEf6hIj9lMn2pQr5tUv8xYz1bCd4fGh7j'),
      'Ab3dEf6hIj9lMn2pQr5tUv8xYz1bCd4fGh7j',
    ],
    ['npm', j('np', 'm_', 'Ab3dEf6hIj9lMn2pQr5tUv8xYz1bCd4fGh7j'), 'Ab3dEf6hIj9lMn2pQr5tUv8xYz1bCd4fGh7j'],
    ['npm', j('//registry.example/:_auth', 'Token=', 'abc123def456'), 'abc123def456', '.npmrc'],
    ['openai', j('sk-', 'Ab3dEf6hIj9lMn2pQr5t', 'T3BlbkFJ', 'Ab3dEf6hIj9lMn2pQr5t'), 'Ab3dEf6hIj9lMn2pQr5t'],
    ['shopify', j('shp', 'at_', 'a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6'), 'a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6'],
  ];

  it.each(samples)('%s: what the scanner finds in %s is redacted', async (rule, text, secret, file) => {
    const hits = await scanText(`${text}\n`, { fileName: file ?? 'notes.txt' });
    expect(hits.map((h) => h.ruleId)).toContain(rule);
    const redacted = createRedactor({ env: {} })(text);
    expect(redacted).not.toContain(secret);
    expect(redacted).toContain('[REDACTED:');
  });
});

describe('values next to key-like names', () => {
  const redact = createRedactor({ env: {} });
  const redacted: [string, string][] = [
    [`aws_secret_access_key = ${AWS_SECRET}`, 'aws_secret_access_key = [REDACTED:aws-secret-key]'],
    ['API_KEY=abcd1234efgh5678', 'API_KEY=[REDACTED:secret-value]'],
    ['export STRIPE_SECRET=Zx81kQ2pL0mN4vB7', 'export STRIPE_SECRET=[REDACTED:secret-value]'],
    ['"password": "hunter22x"', '"password": "[REDACTED:secret-value]"'],
    ["db_password: 'c0rrect-h0rse'", "db_password: '[REDACTED:secret-value]'"],
    ['token: Zx81kQ2pL0mN', 'token: [REDACTED:secret-value]'],
    ['Authorization: Basic dXNlcjpwYXNzd29yZA==', 'Authorization: Basic [REDACTED:secret-value]'],
    ['authorization: token 9f8e7d6c5b4a39281706f5e4d3c2b1a0', 'authorization: token [REDACTED:secret-value]'],
    ['--token=abcDEF123456ghi', '--token=[REDACTED:secret-value]'],
    [`KEY=${ANTHROPIC_KEY}`, 'KEY=[REDACTED:anthropic-key]'],
    ['client_secret => "q8W2e4R6t8Y0u2I4"', 'client_secret => "[REDACTED:secret-value]"'],
    ['SECRET_KEY_BASE=3f8a9c2e7b1d4f6a8c0e2b4d6f8a0c2e', 'SECRET_KEY_BASE=[REDACTED:secret-value]'],
  ];
  it.each(redacted)('%s', (input, expected) => {
    expect(redact(input)).toBe(expected);
  });

  const kept = [
    'token: string',
    'password: process.env.PASSWORD',
    'const token = getToken(req)',
    'auth_file: /home/user/.config/app.json',
    'keyFile: src/keys/dev.pem',
    'secret: true',
    'author: Jonathan Smithson',
    'API_KEY=your-api-key-here',
    'input_tokens: 1234567890',
    `password: $${'{DB_PASSWORD}'}`,
    'token_url: https://auth.example.com/oauth/token',
    'the key: value pairs are sorted',
    'tokens: 12, secret_santa: yes',
    'PASSWORD=short',
    'passes: false, description: "Add a login form with a password field"',
  ];
  it.each(kept)('keeps %s', (input) => {
    expect(redact(input)).toBe(input);
  });

  it('judges values by entropy and shape', () => {
    expect(looksSecret(AWS_SECRET)).toBe(true);
    expect(looksSecret('aaaaaaaaaaaa')).toBe(false);
    expect(looksSecret('abcDEFghiJKLmnoPQRstuV')).toBe(true);
    expect(looksSecret('correct-horse-battery')).toBe(false);
    expect(looksSecret('[REDACTED:secret-value]')).toBe(false);
  });

  it('redacts a secret-looking string under a secret-looking key in a JSON value', () => {
    expect(
      redactDeep(
        { password: 'hunter22x', apiKey: AWS_SECRET, author: 'Zx81kQ2pL0mN', token: 'short' },
        redact,
      ),
    ).toEqual({
      password: '[REDACTED:password]',
      apiKey: '[REDACTED:apiKey]',
      author: 'Zx81kQ2pL0mN',
      token: 'short',
    });
  });
});
