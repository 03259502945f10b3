/**
 * The environment of the Claude Code CLI child. The SDK's `env` option REPLACES the child's environment,
 * so we always start from the caller's (normally `process.env`): PATH, HOME, the user's credentials and
 * any Bedrock/Vertex settings pass through untouched.
 *
 * Not set here on purpose: CLAUDE_CODE_SUBPROCESS_ENV_SCRUB=1. With CLI 2.1.332 it forces the permission
 * mode to `default`, and Bash calls approved by `canUseTool` then run outside the OS sandbox (verified:
 * a write to /root succeeded). The credentials are kept from the agent's processes by the sandbox instead
 * (`credentials.envVars` deny, built from src/guards/confinement.ts), and from the tests the harness runs by
 * `withoutCredentials`.
 */
export type Env = Record<string, string | undefined>;

/**
 * Credentials and provider switches that send the CLI to a real model API (or change what it asks for).
 * Removed from the child's environment whenever the CLI is pointed at the fake model (demo, sandbox probe).
 */
export const REAL_MODEL_VARIABLES: readonly string[] = [
  'ANTHROPIC_AUTH_TOKEN',
  'CLAUDE_CODE_OAUTH_TOKEN',
  'CLAUDE_CODE_USE_BEDROCK',
  'CLAUDE_CODE_USE_VERTEX',
  'CLAUDE_CODE_USE_FOUNDRY',
  'ANTHROPIC_MODEL',
  'ANTHROPIC_CUSTOM_HEADERS',
];

export function buildChildEnv(base: Env, overrides: Env = {}, clientApp = 'claude-harness'): Env {
  return {
    ...base,
    CLAUDE_AGENT_SDK_CLIENT_APP: clientApp,
    ...overrides,
  };
}
