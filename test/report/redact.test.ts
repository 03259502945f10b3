import { describe, expect, it } from 'vitest';
import { createRedactor, redactDeep, secretEnvValues } from '../../src/report/redact.js';
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
