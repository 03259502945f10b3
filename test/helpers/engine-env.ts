import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A temp directory removed by `await using`. */
export async function tempDir(
  prefix = 'ch-test-',
  parent = tmpdir(),
): Promise<{ path: string; [Symbol.asyncDispose](): Promise<void> }> {
  const path = await mkdtemp(join(parent, prefix));
  return { path, [Symbol.asyncDispose]: () => rm(path, { recursive: true, force: true }) };
}

/**
 * Environment for a Claude Code CLI that talks to the fake model: its own config dir (nothing from the
 * user's ~/.claude), no retries and short timeouts, so a failing test fails in seconds, not an hour.
 */
export function fakeModelEnv(baseUrl: string, configDir: string): Record<string, string> {
  return {
    ANTHROPIC_BASE_URL: baseUrl,
    ANTHROPIC_API_KEY: 'sk-ant-fake-test-key-0123456789',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    CLAUDE_CONFIG_DIR: configDir,
    // The CLI's Bash sources the user's shell start-up files; a test must not depend on (or wait for) them.
    HOME: configDir,
    CLAUDE_CODE_MAX_RETRIES: '0',
    API_TIMEOUT_MS: '20000',
  };
}
