/**
 * Checks that the OS sandbox really confines the agent's Bash, through the very path a session uses: the
 * Agent SDK, its Claude Code CLI and its Bash tool, with the run's environment and the sandbox settings a
 * session gets (`confinedSandboxSettings`, for the probe's project). The model is replaced by a one-call
 * script on the fake Messages API (127.0.0.1), so it needs no key and no network. The scripted Bash call
 * - writes one file inside the project (must work: the sandbox runs at all),
 * - writes one outside both the project and $TMPDIR (must fail),
 * - writes one into the harness's records, `.claude-harness/` (must fail),
 * - reads a file outside the project (its content must not come back),
 * - prints its environment (neither the model key nor a secret-named canary variable may be in it).
 * About 1 s.
 */
import { randomBytes } from 'node:crypto';
import { access, mkdir, mkdtemp, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { SandboxSettings } from '@anthropic-ai/claude-agent-sdk';
import { type Env, REAL_MODEL_VARIABLES } from '../engine/env.js';
import type { EngineEvent } from '../engine/events.js';
import { confinementFor, type SandboxConfig } from '../guards/confinement.js';
import { isInside } from '../guards/paths.js';
import { HARNESS_DIR } from '../state/paths.js';
import { chooseSandbox, confinedSandboxSettings } from './sandbox.js';

/** What a passing probe proved, one phrase each, in the order the probe checks them. */
export const PROBE_CHECKS = [
  'writes outside the project: blocked',
  'reads outside the project: blocked',
  'credentials: hidden from the agent',
  'harness records: not writable by the agent',
] as const;

export type ProbeResult =
  | { ok: true; durationMs: number; checks: readonly string[] }
  | {
      ok: false;
      /** What is wrong, one sentence. */
      reason: string;
      /** What to do about it: a command to run, a variable to unset, or `--no-sandbox`. */
      fix: string;
      durationMs: number;
    };

export interface ProbeOptions {
  /** The project folder the sessions will run in (created when missing, as a run does). */
  projectDir: string;
  /** The environment real sessions start from (normally `process.env`). */
  env: Env | NodeJS.ProcessEnv;
  /** The probe CLI's CLAUDE_CONFIG_DIR; a fresh temp folder (removed afterwards) when omitted. */
  configDir?: string;
  /**
   * The sandbox settings the sessions will use; `chooseSandbox(env)`'s by default (then a missing bubblewrap
   * or socat is reported with its apt-get fix before anything runs).
   */
  sandbox?: SandboxSettings;
  /**
   * The variables the run sets on top of `env` for its CLI (its `engineEnv`), so the probe sees what the
   * sessions will see (e.g. CLAUDE_CODE_SUBPROCESS_ENV_SCRUB). The probe's own API settings win.
   */
  envOverrides?: Env;
  /** The config file's `confinement` section, as the sessions will get it. */
  sandboxConfig?: SandboxConfig | undefined;
  /** Gives up after this long; default 30 s. */
  timeoutMs?: number;
  platform?: NodeJS.Platform;
  signal?: AbortSignal;
}

export const NO_SANDBOX_HINT = 'or run with --no-sandbox to accept an unconfined shell';

export async function probeSandbox(options: ProbeOptions): Promise<ProbeResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const fail = (reason: string, fix: string): ProbeResult => ({
    ok: false,
    reason,
    fix,
    durationMs: elapsed(),
  });

  const platform = options.platform ?? process.platform;
  let sandbox = options.sandbox;
  if (sandbox === undefined) {
    const choice = chooseSandbox(options.env, platform);
    if (choice.settings === undefined) {
      if (choice.missing.length > 0) {
        return fail(
          `the OS sandbox needs ${choice.missing.join(' and ')}, which ${choice.missing.length > 1 ? 'are' : 'is'} not installed`,
          `sudo apt-get install -y ${choice.missing.join(' ')} (${NO_SANDBOX_HINT})`,
        );
      }
      return fail(
        `the OS sandbox is only verified on Linux, not on ${platform}`,
        `run on Linux with bubblewrap and socat installed, ${NO_SANDBOX_HINT}`,
      );
    }
    sandbox = choice.settings;
  }

  const projectDir = resolve(options.projectDir);
  await mkdir(projectDir, { recursive: true });
  const token = randomBytes(6).toString('hex');
  const insideFile = join(projectDir, `.claude-harness-probe-${token}`);
  // The records folder exists whenever a session runs (the run lock is in it); the probe makes it if needed.
  const recordsDir = join(projectDir, HARNESS_DIR);
  const recordsFile = join(recordsDir, `probe-${token}`);
  // A sandboxed session makes `.claude/.cc-writes/` in the project; the probe removes them if it made them.
  const madeDirs = [join(projectDir, '.claude', '.cc-writes'), join(projectDir, '.claude'), recordsDir];
  const existedBefore = await Promise.all(madeDirs.map(exists));
  await mkdir(recordsDir, { recursive: true });
  const outsideDir = await makeOutsideDir(projectDir, options.env);
  if (outsideDir === undefined) {
    return fail(
      'found no writable folder outside the project and $TMPDIR to test the sandbox with',
      `make /var/tmp writable, ${NO_SANDBOX_HINT}`,
    );
  }
  const outsideFile = join(outsideDir, 'escaped.txt');
  const secretFile = join(outsideDir, 'secret.txt');
  const secretText = `outside-secret-${randomBytes(8).toString('hex')}`;
  await writeFile(secretFile, `${secretText}\n`);
  const canary = {
    name: 'CLAUDE_HARNESS_PROBE_TOKEN',
    value: `probe-canary-${randomBytes(8).toString('hex')}`,
  };
  const configDir = options.configDir ?? (await mkdtemp(join(tmpdir(), 'claude-harness-probe-config-')));
  const timeout = AbortSignal.timeout(options.timeoutMs ?? 30_000);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;

  try {
    const probeEnv: Env = { ...options.env, [canary.name]: canary.value };
    const apiEnv = probeApiEnv(configDir);
    const confinement = confinementFor({
      projectDir,
      env: { ...probeEnv, ...options.envOverrides, ...apiEnv },
      config: options.sandboxConfig,
    });
    const outcome = await playProbeSession(
      {
        ...options,
        env: probeEnv,
        sandbox: confinedSandboxSettings(sandbox, confinement),
        projectDir,
        configDir,
        signal,
      },
      [
        `echo inside > ${shellQuote(insideFile)}`,
        `echo escaped > ${shellQuote(outsideFile)}`,
        `echo forged > ${shellQuote(recordsFile)}`,
        `cat ${shellQuote(secretFile)}`,
        'env',
        'echo probe-done',
      ],
    );
    const output = outcome.toolResults.join('\n');
    if (await isFile(outsideFile)) {
      const scrub =
        options.envOverrides?.CLAUDE_CODE_SUBPROCESS_ENV_SCRUB ??
        options.env.CLAUDE_CODE_SUBPROCESS_ENV_SCRUB;
      return fail(
        `the sandbox does not confine Bash: a write to ${outsideFile} (outside the project) succeeded`,
        isSet(scrub)
          ? `unset CLAUDE_CODE_SUBPROCESS_ENV_SCRUB (it makes Claude Code run approved Bash calls outside the sandbox), ${NO_SANDBOX_HINT}`
          : `check that bubblewrap works for this user (bwrap --ro-bind / / true), ${NO_SANDBOX_HINT}`,
      );
    }
    if (await isFile(insideFile)) {
      if (output.includes(secretText)) {
        return fail(
          `the sandbox does not confine reads: Bash read ${secretFile} (outside the project)`,
          `update claude-harness and its Agent SDK, ${NO_SANDBOX_HINT}`,
        );
      }
      if (output.includes(canary.value) || output.includes(PROBE_API_KEY)) {
        return fail(
          'the sandbox does not hide credentials: Bash saw a secret environment variable',
          `update claude-harness and its Agent SDK, ${NO_SANDBOX_HINT}`,
        );
      }
      if (await isFile(recordsFile)) {
        return fail(
          `the sandbox does not protect the harness's records: Bash wrote ${recordsFile}`,
          `update claude-harness and its Agent SDK, ${NO_SANDBOX_HINT}`,
        );
      }
      return { ok: true, durationMs: elapsed(), checks: PROBE_CHECKS };
    }
    if (options.signal?.aborted) return fail('the sandbox probe was interrupted', 'run it again');
    if (timeout.aborted) {
      return fail('the sandbox probe timed out', `run claude-harness doctor for details, ${NO_SANDBOX_HINT}`);
    }
    const detail = outcome.toolResults.at(-1) ?? outcome.error ?? 'no tool result';
    return fail(
      `Bash failed inside the sandbox, so the sandbox could not be verified: ${oneLine(detail)}`,
      /namespace|bwrap|permission/i.test(detail)
        ? `allow unprivileged user namespaces (e.g. sysctl kernel.unprivileged_userns_clone=1, or a container seccomp profile that allows them), ${NO_SANDBOX_HINT}`
        : `run claude-harness doctor for details, ${NO_SANDBOX_HINT}`,
    );
  } finally {
    await Promise.all([
      rm(insideFile, { force: true }),
      rm(recordsFile, { force: true }),
      rm(outsideDir, { recursive: true, force: true }),
      options.configDir === undefined ? rm(configDir, { recursive: true, force: true }) : undefined,
    ]);
    for (const [index, dir] of madeDirs.entries()) {
      // rmdir removes only an empty folder: nothing the user or a real session put there is lost.
      if (!existedBefore[index]) await rmdir(dir).catch(() => {});
    }
  }
}

const PROBE_API_KEY = 'sk-ant-probe-not-a-real-key';

/** The probe CLI's API settings (its own config dir, no retries); the base URL is added once the server runs. */
function probeApiEnv(configDir: string): Env {
  return {
    ANTHROPIC_API_KEY: PROBE_API_KEY,
    CLAUDE_CONFIG_DIR: configDir,
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    CLAUDE_CODE_MAX_RETRIES: '0',
    API_TIMEOUT_MS: '10000',
  };
}

/** Plays one scripted Bash call through the SDK, the CLI and its sandbox, against the fake model server. */
async function playProbeSession(
  options: ProbeOptions & {
    sandbox: SandboxSettings;
    projectDir: string;
    configDir: string;
    signal: AbortSignal;
  },
  commands: string[],
): Promise<{ toolResults: string[]; error?: string }> {
  const [{ startFakeAnthropic, parseScenario }, { runSession }] = await Promise.all([
    import('../testing/fake-anthropic/index.js'),
    import('../engine/session.js'),
  ]);
  const bash = { command: commands.join('; '), description: 'sandbox probe' };
  const scenario = parseScenario(
    JSON.stringify({
      name: 'sandbox-probe',
      sessions: [
        {
          turns: [
            { content: [{ type: 'tool_use', name: 'Bash', input: bash }] },
            { content: [{ type: 'text', text: 'probe finished' }] },
          ],
        },
      ],
    }),
    'sandbox-probe.json',
  );
  const server = await startFakeAnthropic({ scenario });
  const outcome: { toolResults: string[]; error?: string } = { toolResults: [] };
  try {
    const baseEnv: Env = { ...options.env };
    for (const name of REAL_MODEL_VARIABLES) delete baseEnv[name];
    const events: AsyncIterable<EngineEvent> = runSession({
      projectDir: options.projectDir,
      prompt: 'Run the sandbox probe.',
      model: 'sonnet',
      baseEnv,
      env: {
        ...options.envOverrides,
        ...probeApiEnv(options.configDir),
        ANTHROPIC_BASE_URL: server.url,
        NO_PROXY: withLoopback(baseEnv.NO_PROXY),
        no_proxy: withLoopback(baseEnv.no_proxy),
      },
      sandbox: options.sandbox,
      signal: options.signal,
      maxTurns: 3,
    });
    for await (const event of events) {
      if (event.type === 'tool_result' && event.content.trim() !== '')
        outcome.toolResults.push(event.content.trim());
      if (event.type === 'error') outcome.error = event.message;
      if (event.type === 'result' && !event.ok) outcome.error = event.text || 'the probe session failed';
    }
    return outcome;
  } finally {
    await server.close();
  }
}

/**
 * A fresh folder outside the project, $TMPDIR and the CLI's config folder, that this process can write to
 * (so a missing file there means the sandbox stopped the write, not the file system).
 */
async function makeOutsideDir(projectDir: string, env: Env | NodeJS.ProcessEnv): Promise<string | undefined> {
  const excluded = [projectDir, tmpdir(), env.TMPDIR, env.CLAUDE_CODE_TMPDIR, '/tmp'].filter(
    (dir): dir is string => typeof dir === 'string' && dir !== '',
  );
  for (const parent of ['/var/tmp', homedir()]) {
    const candidate = resolve(parent);
    if (excluded.some((dir) => isInside(candidate, resolve(dir)))) continue;
    try {
      const dir = await mkdtemp(join(candidate, 'claude-harness-probe-'));
      await writeFile(join(dir, 'writable'), '');
      await rm(join(dir, 'writable'));
      return dir;
    } catch {}
  }
  return undefined;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

async function isFile(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isFile() ?? false;
}

function isSet(value: string | undefined): boolean {
  return value !== undefined && value !== '' && value !== '0';
}

function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

function withLoopback(value: string | undefined): string {
  return value ? `${value},127.0.0.1,localhost` : '127.0.0.1,localhost';
}

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}
