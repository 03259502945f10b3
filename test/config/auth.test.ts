import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkAuth, chooseAuth, credentialsFilePath } from '../../src/config/auth.js';
import { AuthError } from '../../src/errors/index.js';

// A config dir of its own, so the machine's ~/.claude/.credentials.json never decides a test.
const empty = mkdtempSync(join(tmpdir(), 'ch-auth-unit-'));
const NO_FILE = { CLAUDE_CONFIG_DIR: empty };
afterAll(() => rmSync(empty, { recursive: true, force: true }));

function withFile(text: string): NodeJS.ProcessEnv {
  const dir = mkdtempSync(join(empty, 'cfg-'));
  writeFileSync(join(dir, '.credentials.json'), text);
  return { CLAUDE_CONFIG_DIR: dir };
}

const LOGIN = JSON.stringify({ claudeAiOauth: { accessToken: 'sk-ant-oat01-x', refreshToken: 'r' } });

function authError(env: NodeJS.ProcessEnv): AuthError {
  let error: unknown;
  try {
    checkAuth(env);
  } catch (thrown) {
    error = thrown;
  }
  expect(error).toBeInstanceOf(AuthError);
  expect((error as AuthError).exitCode).toBe(2);
  expect((error as AuthError).message).not.toContain('\n');
  return error as AuthError;
}

describe('checkAuth', () => {
  it('accepts each way to authenticate', () => {
    expect(checkAuth({ ...NO_FILE, ANTHROPIC_API_KEY: 'sk-ant-test' })).toBe('api-key');
    expect(checkAuth({ ...NO_FILE, ANTHROPIC_AUTH_TOKEN: 'gateway' })).toBe('auth-token');
    expect(checkAuth({ ...NO_FILE, CLAUDE_CODE_OAUTH_TOKEN: 'oauth-test' })).toBe('oauth-token');
    expect(checkAuth(withFile(LOGIN))).toBe('credentials-file');
    expect(checkAuth({ ...NO_FILE, CLAUDE_CODE_USE_BEDROCK: '1' })).toBe('bedrock');
    expect(checkAuth({ ...NO_FILE, CLAUDE_CODE_USE_VERTEX: 'true', ANTHROPIC_VERTEX_PROJECT_ID: 'p' })).toBe(
      'vertex',
    );
  });

  it('picks what Claude Code picks when several are set', () => {
    // Verified with Claude Code 2.1.332: the provider switch first, then the auth token, the API key, the
    // OAuth token, and the login file last.
    const all = {
      ...withFile(LOGIN),
      ANTHROPIC_API_KEY: 'k',
      ANTHROPIC_AUTH_TOKEN: 't',
      CLAUDE_CODE_OAUTH_TOKEN: 'o',
    };
    expect(checkAuth({ ...all, CLAUDE_CODE_USE_BEDROCK: '1' })).toBe('bedrock');
    expect(checkAuth({ ...all, CLAUDE_CODE_USE_VERTEX: '1', GOOGLE_CLOUD_PROJECT: 'p' })).toBe('vertex');
    expect(checkAuth(all)).toBe('auth-token');
    expect(checkAuth({ ...all, ANTHROPIC_AUTH_TOKEN: ' ' })).toBe('api-key');
    expect(checkAuth({ ...all, ANTHROPIC_AUTH_TOKEN: undefined, ANTHROPIC_API_KEY: '' })).toBe('oauth-token');
    expect(checkAuth({ ...withFile(LOGIN), ANTHROPIC_API_KEY: '  ' })).toBe('credentials-file');
  });

  it('names what will be used and the blank variables it ignores, never a value', () => {
    const choice = chooseAuth({ ...withFile(LOGIN), ANTHROPIC_API_KEY: ' ' });
    expect(choice.source).toMatch(/\.credentials\.json$/);
    expect(choice.sentAs).toContain('Authorization: Bearer');
    expect(choice.notes).toEqual(['ANTHROPIC_API_KEY is set but empty, so it is ignored']);
    const token = chooseAuth({
      ...NO_FILE,
      ANTHROPIC_AUTH_TOKEN: 'secret-value',
      ANTHROPIC_API_KEY: 'key-value',
    });
    expect(JSON.stringify(token)).not.toMatch(/secret-value|key-value/);
    expect(token.sentAs).toContain('x-api-key');
  });

  it('finds the login file in CLAUDE_CONFIG_DIR, else in ~/.claude', () => {
    expect(credentialsFilePath({ CLAUDE_CONFIG_DIR: '/c', HOME: '/h' })).toBe('/c/.credentials.json');
    expect(credentialsFilePath({ HOME: '/h' })).toBe('/h/.claude/.credentials.json');
    expect(credentialsFilePath({ CLAUDE_CONFIG_DIR: ' ', HOME: '/h' })).toBe('/h/.claude/.credentials.json');
  });

  it.each([
    {},
    { ANTHROPIC_API_KEY: '' },
    { CLAUDE_CODE_OAUTH_TOKEN: '  ' },
    { CLAUDE_CODE_USE_BEDROCK: '0' },
    { CLAUDE_CODE_USE_VERTEX: 'false' },
    { ANTHROPIC_BASE_URL: 'http://localhost:1' },
  ])('throws AuthError (exit 2) naming the variables to set for %j', (env) => {
    const { message } = authError({ ...NO_FILE, ...env });
    for (const name of [
      'ANTHROPIC_API_KEY',
      'ANTHROPIC_AUTH_TOKEN',
      'CLAUDE_CODE_OAUTH_TOKEN',
      'claude /login',
      'CLAUDE_CODE_USE_BEDROCK=1',
      'CLAUDE_CODE_USE_VERTEX=1',
      'claude-harness demo',
    ]) {
      expect(message).toContain(name);
    }
  });

  it.each([
    ['an empty variable', { ...NO_FILE, ANTHROPIC_AUTH_TOKEN: '' }, 'ANTHROPIC_AUTH_TOKEN is set but empty'],
    ['a whitespace variable', { ...NO_FILE, ANTHROPIC_API_KEY: ' \t' }, 'ANTHROPIC_API_KEY is set but empty'],
    ['a login file that is not JSON', withFile('not json'), '.credentials.json is not JSON'],
    ['a login file with no token', withFile('{"claudeAiOauth":{}}'), 'holds no claudeAiOauth.accessToken'],
    ['a login file that is a JSON array', withFile('[]'), 'holds no claudeAiOauth.accessToken'],
    ['Vertex with no project', { ...NO_FILE, CLAUDE_CODE_USE_VERTEX: '1' }, 'ANTHROPIC_VERTEX_PROJECT_ID'],
  ])('refuses %s with a message saying what is wrong', (_name, env, expected) => {
    expect(authError(env).message).toContain(expected);
  });

  it('reads the environment without changing it', () => {
    const env = Object.freeze({ ANTHROPIC_API_KEY: ' sk-ant-with-spaces ', CLAUDE_CODE_USE_BEDROCK: 'no' });
    expect(checkAuth(env)).toBe('api-key');
    expect(env).toEqual({ ANTHROPIC_API_KEY: ' sk-ant-with-spaces ', CLAUDE_CODE_USE_BEDROCK: 'no' });
  });
});
