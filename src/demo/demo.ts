import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundledAssetPath, DEMO_SCENARIO_ASSET, DEMO_SPEC_ASSET } from '../assets/bundled.js';
import type { CommandIO } from '../cli/io.js';
import { DEFAULTS, type RunConfig } from '../config/types.js';
import { REAL_MODEL_VARIABLES } from '../engine/env.js';
import { ExitCode } from '../errors/index.js';
import { runLoop } from '../session/loop.js';
import { chooseSandbox, type SandboxChoice } from '../session/sandbox.js';

/**
 * `claude-harness demo`: the full loop (initializer, then coding sessions until every feature passes) on an
 * embedded spec, with the model replaced by the fake Anthropic server playing a recorded script. The real
 * Agent SDK and the real Claude Code CLI run with their real tools, and the harness does everything it does
 * in a real run, so the files, commits and decisions the demo shows are real. No API key is needed or used.
 */
export interface DemoOptions {
  /** Where to build; a new temp directory when not given. */
  projectDir?: string;
}

export const DEMO_SCENARIO = bundledAssetPath(DEMO_SCENARIO_ASSET);
export const DEMO_SPEC = bundledAssetPath(DEMO_SPEC_ASSET);

export async function runDemo(options: DemoOptions, io: CommandIO): Promise<number> {
  const madeProject = options.projectDir === undefined;
  const projectDir = options.projectDir ?? (await mkdtemp(join(tmpdir(), 'claude-harness-demo-')));
  // The CLI's config folder always goes; a project folder the demo made goes too unless the demo worked
  // (then it is what the user came for).
  let keepProject = false;
  try {
    const exitCode = await playDemo(projectDir, io);
    keepProject = exitCode === ExitCode.ok;
    return exitCode;
  } finally {
    if (madeProject && !keepProject) await rm(projectDir, { recursive: true, force: true });
  }
}

async function playDemo(projectDir: string, io: CommandIO): Promise<number> {
  const { loadScenario, startFakeAnthropic } = await import('../testing/fake-anthropic/index.js');
  const scenario = await loadScenario(DEMO_SCENARIO);

  io.out.write(
    [
      'claude-harness demo',
      'The model in this demo is a recorded script (scenarios/demo.yaml) played by claude-harness’s fake',
      'Anthropic API server on 127.0.0.1. Everything else is real: the Claude Agent SDK, the Claude Code CLI',
      'and its tools write and run real files, and the harness validates, commits and decides what passes.',
      'No API key is used and nothing leaves this machine.',
      '',
    ].join('\n'),
  );

  const server = await startFakeAnthropic({ scenario, variables: { projectDir } });
  const configDir = await mkdtemp(join(tmpdir(), 'claude-harness-demo-cli-'));
  const sandbox = chooseSandbox(io.env);
  const config: RunConfig = {
    ...DEFAULTS,
    projectDir,
    specPath: DEMO_SPEC,
    mode: 'greenfield',
    maxIterations: scenario.sessions.length,
    featureCount: 2,
    autoContinueDelayMs: 500,
    promptsDir: undefined,
    // The demo runs where the sandbox cannot (no bubblewrap) too; a real run would refuse instead.
    sandbox: sandbox.settings !== undefined,
    secrets: undefined,
    policy: undefined,
    confinement: undefined,
    configFile: undefined,
  };
  let exitCode: number;
  try {
    exitCode = await runLoop(config, io, {
      ...(sandbox.settings === undefined ? { sandboxOffReason: demoWithoutSandbox(sandbox) } : {}),
      unsetEnv: REAL_MODEL_VARIABLES,
      // The greeter is a command-line program: no browser to drive.
      browserMcp: false,
      engineEnv: {
        ANTHROPIC_BASE_URL: server.url,
        ANTHROPIC_API_KEY: 'fake-key-for-the-demo',
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
        // The CLI's own transcripts and settings stay out of the user's ~/.claude.
        CLAUDE_CONFIG_DIR: configDir,
        CLAUDE_CODE_MAX_RETRIES: '2',
        API_TIMEOUT_MS: '60000',
      },
    });
  } finally {
    await server.close();
    await rm(configDir, { recursive: true, force: true });
  }

  const failures = [...server.failures];
  const progress = server.progress();
  if (failures.length > 0 || progress.remainingTurns > 0) {
    io.err.write('claude-harness: the demo did not play as recorded:\n');
    for (const failure of failures) io.err.write(`  - ${failure}\n`);
    if (progress.remainingTurns > 0)
      io.err.write(`  - ${progress.remainingTurns} scripted turns were not played\n`);
    return exitCode === ExitCode.ok ? ExitCode.failure : exitCode;
  }

  io.out.write('(Token counts and cost above are estimates for the scripted turns, not a bill.)\n');
  io.out.write(`\nThe project is in ${projectDir}:\n`);
  for (const entry of await listFiles(projectDir)) io.out.write(`  ${entry}\n`);
  io.out.write(
    `Try: cd ${projectDir} && node greet.js && git log --oneline\n\nTo run on your own spec with a real model: export ANTHROPIC_API_KEY=… (or CLAUDE_CODE_OAUTH_TOKEN=…) and\n  claude-harness --project-dir ./my-app --spec app_spec.txt\n`,
  );
  return exitCode;
}

async function listFiles(dir: string): Promise<string[]> {
  const names = (await readdir(dir)).filter((name) => !name.startsWith('.')).sort();
  const out: string[] = [];
  for (const name of names) {
    const info = await stat(join(dir, name));
    out.push(info.isDirectory() ? `${name}/` : `${name} (${info.size} bytes)`);
  }
  return out;
}

/** Why the demo runs without the sandbox, for the run's `sandbox: off (…)` line. */
function demoWithoutSandbox(sandbox: SandboxChoice): string {
  const why =
    sandbox.missing.length > 0
      ? `${sandbox.missing.join(' and ')} ${sandbox.missing.length > 1 ? 'are' : 'is'} not installed — apt-get install ${sandbox.missing.join(' ')}`
      : sandbox.description.replace(/^off \((.*)\)$/, '$1');
  return `${why}; the demo runs without the sandbox, a real run would refuse`;
}
