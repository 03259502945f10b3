/**
 * Checks that the environment carries credentials the Agent SDK's CLI accepts, so a run fails at once with
 * the fix instead of inside the first session. The variables are read, never rewritten: the CLI child gets
 * them exactly as the user set them.
 */
import { AuthError } from '../errors/index.js';

export type AuthMethod = 'api-key' | 'oauth-token' | 'bedrock' | 'vertex';

/** The variables each method reads, in the order they are checked. */
export const AUTH_VARIABLES = {
  'api-key': 'ANTHROPIC_API_KEY',
  'oauth-token': 'CLAUDE_CODE_OAUTH_TOKEN',
  bedrock: 'CLAUDE_CODE_USE_BEDROCK',
  vertex: 'CLAUDE_CODE_USE_VERTEX',
} as const satisfies Record<AuthMethod, string>;

export const MISSING_AUTH_MESSAGE =
  'no credentials for Claude: set ANTHROPIC_API_KEY (an API key) or CLAUDE_CODE_OAUTH_TOKEN (from `claude setup-token`), ' +
  'or set CLAUDE_CODE_USE_BEDROCK=1 or CLAUDE_CODE_USE_VERTEX=1 to use Amazon Bedrock or Google Vertex AI; ' +
  '`claude-harness demo` runs without any key';

/** The first usable method found in `env`; throws `AuthError` naming the variables to set when there is none. */
export function checkAuth(env: NodeJS.ProcessEnv): AuthMethod {
  if (isSet(env[AUTH_VARIABLES['api-key']])) return 'api-key';
  if (isSet(env[AUTH_VARIABLES['oauth-token']])) return 'oauth-token';
  if (isEnabled(env[AUTH_VARIABLES.bedrock])) return 'bedrock';
  if (isEnabled(env[AUTH_VARIABLES.vertex])) return 'vertex';
  throw new AuthError(MISSING_AUTH_MESSAGE);
}

function isSet(value: string | undefined): boolean {
  return value !== undefined && value.trim() !== '';
}

/** The switch values Claude Code treats as on. */
function isEnabled(value: string | undefined): boolean {
  return value !== undefined && ['1', 'true', 'yes', 'on'].includes(value.trim().toLowerCase());
}
