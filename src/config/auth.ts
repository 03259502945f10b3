/**
 * Checks that the environment carries credentials the Agent SDK's CLI accepts, so a run fails at once with
 * the fix instead of inside the first session. The variables are read, never rewritten: the CLI child gets
 * them exactly as the user set them. Only names and paths are ever reported, never a value.
 *
 * What Claude Code 2.1.332 does (verified against a local server):
 * - `CLAUDE_CODE_USE_BEDROCK` / `CLAUDE_CODE_USE_VERTEX` switch the provider; Bedrock signs with the AWS
 *   default credential chain (region default us-east-1), Vertex needs a project id (region default us-east5).
 * - Otherwise `ANTHROPIC_AUTH_TOKEN` is sent as `Authorization: Bearer …` (with `ANTHROPIC_API_KEY`, when
 *   also set, as `x-api-key` beside it), then `ANTHROPIC_API_KEY` alone as `x-api-key`, then
 *   `CLAUDE_CODE_OAUTH_TOKEN`, then the `claude /login` file `$CLAUDE_CONFIG_DIR/.credentials.json` (or
 *   `~/.claude/.credentials.json` when `CLAUDE_CONFIG_DIR` is unset), both as `Authorization: Bearer …`.
 * - An empty or blank variable counts as unset.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { AuthError } from '../errors/index.js';

export type AuthMethod = 'bedrock' | 'vertex' | 'auth-token' | 'api-key' | 'oauth-token' | 'credentials-file';

/** The variables each method reads (the credentials file is found through CLAUDE_CONFIG_DIR or HOME). */
export const AUTH_VARIABLES = {
  bedrock: 'CLAUDE_CODE_USE_BEDROCK',
  vertex: 'CLAUDE_CODE_USE_VERTEX',
  'auth-token': 'ANTHROPIC_AUTH_TOKEN',
  'api-key': 'ANTHROPIC_API_KEY',
  'oauth-token': 'CLAUDE_CODE_OAUTH_TOKEN',
  'credentials-file': 'CLAUDE_CONFIG_DIR',
} as const satisfies Record<AuthMethod, string>;

/** Where the Vertex project id may come from, in the order Claude Code's Google client looks. */
const VERTEX_PROJECT_VARIABLES = [
  'ANTHROPIC_VERTEX_PROJECT_ID',
  'GOOGLE_CLOUD_PROJECT',
  'GCLOUD_PROJECT',
  'GOOGLE_APPLICATION_CREDENTIALS',
] as const;

/** AWS credential sources visible in the environment (the default chain also finds instance roles). */
const AWS_CREDENTIAL_VARIABLES = [
  'AWS_BEARER_TOKEN_BEDROCK',
  'AWS_ACCESS_KEY_ID',
  'AWS_PROFILE',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
] as const;

export const MISSING_AUTH_MESSAGE =
  'no credentials for Claude: set ANTHROPIC_API_KEY (an API key), ANTHROPIC_AUTH_TOKEN (a gateway or proxy token, sent as Authorization: Bearer) ' +
  'or CLAUDE_CODE_OAUTH_TOKEN (from `claude setup-token`), or log in with `claude /login` (it writes ~/.claude/.credentials.json), ' +
  'or set CLAUDE_CODE_USE_BEDROCK=1 or CLAUDE_CODE_USE_VERTEX=1 to use Amazon Bedrock or Google Vertex AI; ' +
  '`claude-harness demo` runs without any key';

/** The credential Claude Code will use, by name; `notes` name credentials that are set but unusable. */
export interface AuthChoice {
  method: AuthMethod;
  /** What will be used, by name only: a variable, or the credentials file's path. */
  source: string;
  /** How it reaches the model API, e.g. `x-api-key` or `Authorization: Bearer`. */
  sentAs: string;
  /** Set but ignored (blank variables, a broken credentials file), for doctor to show. */
  notes: string[];
}

/** The first usable method found in `env`; throws `AuthError` naming the variables to set when there is none. */
export function checkAuth(env: NodeJS.ProcessEnv): AuthMethod {
  return chooseAuth(env).method;
}

/** The credential Claude Code will use (see the order above); `AuthError` (exit 2) saying why when none. */
export function chooseAuth(env: NodeJS.ProcessEnv): AuthChoice {
  const notes = blankVariables(env).map((name) => `${name} is set but empty, so it is ignored`);
  const chosen = pick(env);
  if (chosen !== undefined) return { ...chosen, notes };
  throw new AuthError(
    notes.length === 0 ? MISSING_AUTH_MESSAGE : `${notes.join('; ')}; ${MISSING_AUTH_MESSAGE}`,
  );
}

function pick(env: NodeJS.ProcessEnv): Omit<AuthChoice, 'notes'> | undefined {
  if (isEnabled(env[AUTH_VARIABLES.bedrock])) {
    const aws = AWS_CREDENTIAL_VARIABLES.find((name) => isSet(env[name]));
    return {
      method: 'bedrock',
      source: AUTH_VARIABLES.bedrock,
      sentAs: `AWS credentials from ${aws ?? 'the AWS default chain (~/.aws, SSO or an instance role)'}, region ${isSet(env.AWS_REGION) ? 'AWS_REGION' : 'us-east-1 (AWS_REGION unset)'}`,
    };
  }
  if (isEnabled(env[AUTH_VARIABLES.vertex])) {
    const project = VERTEX_PROJECT_VARIABLES.find((name) => isSet(env[name]));
    if (project === undefined) {
      throw new AuthError(
        `${AUTH_VARIABLES.vertex} is on but no Google Cloud project is set: export ANTHROPIC_VERTEX_PROJECT_ID=<your project id> (and CLOUD_ML_REGION, default us-east5)`,
      );
    }
    return {
      method: 'vertex',
      source: AUTH_VARIABLES.vertex,
      sentAs: `Google Cloud credentials, project from ${project}, region ${isSet(env.CLOUD_ML_REGION) ? 'CLOUD_ML_REGION' : 'us-east5 (CLOUD_ML_REGION unset)'}`,
    };
  }
  if (isSet(env[AUTH_VARIABLES['auth-token']])) {
    return {
      method: 'auth-token',
      source: AUTH_VARIABLES['auth-token'],
      sentAs: isSet(env[AUTH_VARIABLES['api-key']])
        ? 'Authorization: Bearer (ANTHROPIC_API_KEY is sent too, as x-api-key)'
        : 'Authorization: Bearer',
    };
  }
  if (isSet(env[AUTH_VARIABLES['api-key']])) {
    return { method: 'api-key', source: AUTH_VARIABLES['api-key'], sentAs: 'x-api-key' };
  }
  if (isSet(env[AUTH_VARIABLES['oauth-token']])) {
    return { method: 'oauth-token', source: AUTH_VARIABLES['oauth-token'], sentAs: 'Authorization: Bearer' };
  }
  const file = credentialsFilePath(env);
  const problem = credentialsFileProblem(file);
  if (problem === undefined) {
    return { method: 'credentials-file', source: file, sentAs: 'Authorization: Bearer, from claude /login' };
  }
  if (problem !== 'missing') {
    throw new AuthError(
      `the Claude Code credentials file ${file} ${problem}: run \`claude /login\` again, or remove the file and set ANTHROPIC_API_KEY`,
    );
  }
  return undefined;
}

/** Where `claude /login` keeps its credentials: `$CLAUDE_CONFIG_DIR/.credentials.json`, else `~/.claude/…`. */
export function credentialsFilePath(env: NodeJS.ProcessEnv): string {
  const configDir = env.CLAUDE_CONFIG_DIR;
  if (isSet(configDir)) return join(configDir as string, '.credentials.json');
  const home = isSet(env.HOME) ? (env.HOME as string) : homedir();
  return join(home, '.claude', '.credentials.json');
}

/** Why the file cannot give a token (`missing` when absent), or undefined when it holds one. */
function credentialsFileProblem(file: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return 'missing';
    return `cannot be read (${code ?? 'error'})`;
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return 'is not JSON';
  }
  const oauth = isRecord(data) ? data.claudeAiOauth : undefined;
  const token = isRecord(oauth) ? oauth.accessToken : undefined;
  return typeof token === 'string' && token.trim() !== '' ? undefined : 'holds no claudeAiOauth.accessToken';
}

function blankVariables(env: NodeJS.ProcessEnv): string[] {
  return [AUTH_VARIABLES['auth-token'], AUTH_VARIABLES['api-key'], AUTH_VARIABLES['oauth-token']].filter(
    (name) => env[name] !== undefined && !isSet(env[name]),
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isSet(value: string | undefined): boolean {
  return value !== undefined && value.trim() !== '';
}

/** The switch values Claude Code treats as on. */
function isEnabled(value: string | undefined): boolean {
  return value !== undefined && ['1', 'true', 'yes', 'on'].includes(value.trim().toLowerCase());
}
