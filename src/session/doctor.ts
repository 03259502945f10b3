/**
 * `claude-harness doctor`: checks what a run needs, one line per check (✓ or ✗, and the fix for each ✗),
 * including a real sandbox probe. Exits 0 when every required check passes, 1 otherwise.
 */
import { execFile } from 'node:child_process';
import { access, constants, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { BUNDLED_ASSETS, bundledAssetPath } from '../assets/bundled.js';
import type { CommandIO } from '../cli/io.js';
import { AUTH_VARIABLES, type AuthMethod, chooseAuth, MISSING_AUTH_MESSAGE } from '../config/auth.js';
import { AuthError, ExitCode } from '../errors/index.js';
import { chooseSandbox } from './sandbox.js';
import { type ProbeOptions, type ProbeResult, probeSandbox } from './sandbox-probe.js';

export interface DoctorOptions {
  /** Probe the sandbox in this project folder; a temp folder otherwise. */
  projectDir?: string;
  /** Print one JSON object (`{ ok, credential, checks }`) instead of lines. */
  json?: boolean;
}

/** Replaceable parts, for tests. */
export interface DoctorDeps {
  probe: (options: ProbeOptions) => Promise<ProbeResult>;
  nodeVersion: string;
  platform: NodeJS.Platform;
  arch: string;
  chromiumPath: string;
  /** The package folder the bundled files are read from (a `file:` URL ending in `/`). */
  packageRoot: URL;
}

export interface DoctorCheck {
  ok: boolean;
  /** Informational checks do not change the exit code. */
  required: boolean;
  /** What was found, e.g. `Node.js 20.20.2`. */
  label: string;
  /** For a failed check: what to do. */
  fix?: string;
  /** The credentials check only: which credential Claude Code will use (a name or a path, never a value). */
  credential?: { method: AuthMethod; source: string };
}

export const MIN_NODE = [20, 19] as const;
const SDK_PACKAGE = '@anthropic-ai/claude-agent-sdk';

export async function runDoctorCommand(
  opts: DoctorOptions,
  io: CommandIO,
  deps: Partial<DoctorDeps> = {},
): Promise<number> {
  const checks = await runDoctorChecks(opts, io, deps);
  const failed = checks.filter((check) => check.required && !check.ok).length;
  if (opts.json === true) {
    const credential = checks.find((check) => check.credential !== undefined)?.credential ?? null;
    io.out.write(
      `${JSON.stringify({ ok: failed === 0, credential, checks: checks.map(({ credential: _, ...check }) => check) }, null, 2)}\n`,
    );
    return failed === 0 ? ExitCode.ok : ExitCode.failure;
  }
  for (const check of checks) io.out.write(`${formatCheck(check)}\n`);
  io.out.write(
    failed === 0
      ? 'Everything claude-harness needs is in place.\n'
      : `${failed} required check${failed === 1 ? '' : 's'} failed: see the fixes above.\n`,
  );
  return failed === 0 ? ExitCode.ok : ExitCode.failure;
}

export function formatCheck(check: DoctorCheck): string {
  const optional = check.required ? '' : ' (optional)';
  if (check.ok) return `✓ ${check.label}${optional}`;
  return `✗ ${check.label}${optional}${check.fix ? ` — fix: ${check.fix}` : ''}`;
}

export async function runDoctorChecks(
  opts: DoctorOptions,
  io: CommandIO,
  deps: Partial<DoctorDeps> = {},
): Promise<DoctorCheck[]> {
  const platform = deps.platform ?? process.platform;
  const env = io.env;
  const checks: DoctorCheck[] = [
    nodeCheck(deps.nodeVersion ?? process.versions.node),
    ...(await engineChecks(platform, deps.arch ?? process.arch)),
    credentialsCheck(env),
    await toolCheck('git', 'git', ['--version'], /git version (\S+)/, 'git', env),
  ];

  const sandbox = chooseSandbox(env, platform);
  if (platform === 'linux') {
    checks.push(
      await toolCheck('bubblewrap', 'bwrap', ['--version'], /bubblewrap (\S+)/, 'bubblewrap', env),
      await toolCheck('socat', 'socat', ['-V'], /socat version (\S+)/, 'socat', env),
    );
  }
  const probe = deps.probe ?? probeSandbox;
  if (sandbox.settings === undefined && sandbox.missing.length > 0) {
    checks.push({
      ok: false,
      required: true,
      label: 'sandbox probe: not run (bubblewrap and socat are needed)',
      fix: `sudo apt-get install -y ${sandbox.missing.join(' ')}`,
    });
  } else {
    const result = await probeInProject(probe, opts.projectDir, env, platform, io.signal);
    if (result.ok) {
      checks.push({
        ok: true,
        required: true,
        label: `sandbox confines Bash (probe took ${(result.durationMs / 1000).toFixed(1)} s)`,
      });
      for (const proved of result.checks)
        checks.push({ ok: true, required: true, label: `sandbox: ${proved}` });
    } else {
      checks.push({ ok: false, required: true, label: `sandbox: ${result.reason}`, fix: result.fix });
    }
  }

  checks.push(...(await bundledAssetChecks(deps.packageRoot)));

  const chromium = deps.chromiumPath ?? '/usr/bin/chromium';
  const hasChromium = await access(chromium).then(
    () => true,
    () => false,
  );
  checks.push(
    hasChromium
      ? { ok: true, required: false, label: `Chromium ${chromium}, for browser tests` }
      : {
          ok: false,
          required: false,
          label: `Chromium not found at ${chromium}, needed only for browser tests`,
          fix: 'sudo apt-get install -y chromium',
        },
  );
  return checks;
}

function nodeCheck(version: string): DoctorCheck {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  const ok = major > MIN_NODE[0] || (major === MIN_NODE[0] && minor >= MIN_NODE[1]);
  return ok
    ? { ok, required: true, label: `Node.js ${version}` }
    : {
        ok,
        required: true,
        label: `Node.js ${version} is too old (${MIN_NODE.join('.')} or newer is needed)`,
        fix: 'install Node.js 20.19+ or 22 (e.g. `nvm install 22`)',
      };
}

/** The SDK's version, and the bundled Claude Code's version and binary (read from package.json files). */
async function engineChecks(platform: NodeJS.Platform, arch: string): Promise<DoctorCheck[]> {
  const require = createRequire(import.meta.url);
  let sdkDir: string;
  let sdk: { version?: string; claudeCodeVersion?: string };
  try {
    sdkDir = dirname(require.resolve(SDK_PACKAGE));
    sdk = JSON.parse(await readFile(join(sdkDir, 'package.json'), 'utf8'));
  } catch {
    return [
      {
        ok: false,
        required: true,
        label: `${SDK_PACKAGE} is not installed`,
        fix: 'reinstall claude-harness (npm ci)',
      },
    ];
  }
  const sdkCheck: DoctorCheck = {
    ok: true,
    required: true,
    label: `Agent SDK ${sdk.version ?? '(unknown)'}`,
  };
  const fromSdk = createRequire(join(sdkDir, 'package.json'));
  const base = `${SDK_PACKAGE}-${platform}-${arch}`;
  for (const name of [base, `${base}-musl`]) {
    try {
      const packageDir = dirname(fromSdk.resolve(`${name}/package.json`));
      await access(join(packageDir, platform === 'win32' ? 'claude.exe' : 'claude'));
      return [
        sdkCheck,
        { ok: true, required: true, label: `Claude Code ${sdk.claudeCodeVersion ?? '(unknown)'} (${name})` },
      ];
    } catch {}
  }
  return [
    sdkCheck,
    {
      ok: false,
      required: true,
      label: `Claude Code ${sdk.claudeCodeVersion ?? ''}: the CLI binary for ${platform}-${arch} (${base}) is missing`,
      fix: 'reinstall with optional dependencies (npm ci, without --omit=optional / --no-optional)',
    },
  ];
}

/** Each file the CLI reads from its own package (prompts, the demo's files, the schema) is there and readable. */
async function bundledAssetChecks(root: URL | undefined): Promise<DoctorCheck[]> {
  const missing: DoctorCheck[] = [];
  for (const asset of BUNDLED_ASSETS) {
    const path = root === undefined ? bundledAssetPath(asset.path) : bundledAssetPath(asset.path, root);
    const readable = await access(path, constants.R_OK).then(
      () => true,
      () => false,
    );
    if (!readable) {
      missing.push({
        ok: false,
        required: true,
        label: `bundled file missing: ${path} (${asset.role})`,
        fix: 'reinstall claude-harness',
      });
    }
  }
  if (missing.length > 0) return missing;
  return [
    {
      ok: true,
      required: true,
      label: `bundled files: ${BUNDLED_ASSETS.length} in place (prompt templates, demo scenario, config schema)`,
    },
  ];
}

function credentialsCheck(env: NodeJS.ProcessEnv): DoctorCheck {
  try {
    const choice = chooseAuth(env);
    const notes = choice.notes.length === 0 ? '' : `; ${choice.notes.join('; ')}`;
    return {
      ok: true,
      required: true,
      label: `credentials: ${choice.source} will be used (${choice.sentAs})${notes}`,
      credential: { method: choice.method, source: choice.source },
    };
  } catch (error) {
    return {
      ok: false,
      required: true,
      label: `credentials: ${authProblem(error)}`,
      fix: `export ${AUTH_VARIABLES['api-key']}=… or ${AUTH_VARIABLES['auth-token']}=… (a gateway token) or ${AUTH_VARIABLES['oauth-token']}=… (from \`claude setup-token\`), run \`claude /login\`, or set ${AUTH_VARIABLES.bedrock}=1 / ${AUTH_VARIABLES.vertex}=1`,
    };
  }
}

/** What is wrong with the credentials, without the long list of ways to set them (that is the fix). */
function authProblem(error: unknown): string {
  if (!(error instanceof AuthError)) throw error;
  const problem = error.message.replace(MISSING_AUTH_MESSAGE, '').replace(/;\s*$/, '');
  return problem === '' ? 'none found' : `none usable: ${problem}`;
}

async function toolCheck(
  name: string,
  binary: string,
  args: string[],
  versionPattern: RegExp,
  aptPackage: string,
  env: NodeJS.ProcessEnv,
): Promise<DoctorCheck> {
  const output = await new Promise<string | undefined>((resolve) => {
    execFile(binary, args, { env, timeout: 5000, encoding: 'utf8' }, (error, stdout, stderr) =>
      resolve(error && (error as NodeJS.ErrnoException).code === 'ENOENT' ? undefined : `${stdout}${stderr}`),
    );
  });
  if (output === undefined) {
    return {
      ok: false,
      required: true,
      label: `${name}: not found`,
      fix: `sudo apt-get install -y ${aptPackage}`,
    };
  }
  const version = versionPattern.exec(output)?.[1];
  return { ok: true, required: true, label: version ? `${name} ${version}` : name };
}

async function probeInProject(
  probe: DoctorDeps['probe'],
  projectDir: string | undefined,
  env: NodeJS.ProcessEnv,
  platform: NodeJS.Platform,
  signal: AbortSignal,
): Promise<ProbeResult> {
  if (projectDir !== undefined) return probe({ projectDir, env, platform, signal });
  const dir = await mkdtemp(join(tmpdir(), 'claude-harness-doctor-'));
  try {
    return await probe({ projectDir: dir, env, platform, signal });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
