import { describe, expect, it } from 'vitest';
import { checkAuth } from '../../src/config/auth.js';
import { AuthError } from '../../src/errors/index.js';

describe('checkAuth', () => {
  it('accepts each way to authenticate', () => {
    expect(checkAuth({ ANTHROPIC_API_KEY: 'sk-ant-test' })).toBe('api-key');
    expect(checkAuth({ CLAUDE_CODE_OAUTH_TOKEN: 'oauth-test' })).toBe('oauth-token');
    expect(checkAuth({ CLAUDE_CODE_USE_BEDROCK: '1' })).toBe('bedrock');
    expect(checkAuth({ CLAUDE_CODE_USE_VERTEX: 'true' })).toBe('vertex');
  });

  it('prefers an API key when several are set', () => {
    expect(checkAuth({ CLAUDE_CODE_USE_VERTEX: '1', ANTHROPIC_API_KEY: 'sk-ant-test' })).toBe('api-key');
  });

  it.each([
    {},
    { ANTHROPIC_API_KEY: '' },
    { CLAUDE_CODE_OAUTH_TOKEN: '  ' },
    { CLAUDE_CODE_USE_BEDROCK: '0' },
    { CLAUDE_CODE_USE_VERTEX: 'false' },
    { ANTHROPIC_BASE_URL: 'http://localhost:1' },
  ])('throws AuthError (exit 2) naming the variables to set for %j', (env) => {
    let error: unknown;
    try {
      checkAuth(env);
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(AuthError);
    const { message, exitCode } = error as AuthError;
    expect(exitCode).toBe(2);
    expect(message).not.toContain('\n');
    for (const name of [
      'ANTHROPIC_API_KEY',
      'CLAUDE_CODE_OAUTH_TOKEN',
      'CLAUDE_CODE_USE_BEDROCK=1',
      'CLAUDE_CODE_USE_VERTEX=1',
      'claude-harness demo',
    ]) {
      expect(message).toContain(name);
    }
  });

  it('reads the environment without changing it', () => {
    const env = Object.freeze({ ANTHROPIC_API_KEY: ' sk-ant-with-spaces ', CLAUDE_CODE_USE_BEDROCK: 'yes' });
    expect(checkAuth(env)).toBe('api-key');
    expect(env).toEqual({ ANTHROPIC_API_KEY: ' sk-ant-with-spaces ', CLAUDE_CODE_USE_BEDROCK: 'yes' });
  });
});
