/**
 * `claude-harness policy check [--project-dir DIR] [--json] [--stdin] [COMMAND…]`: explains, for each command,
 * whether the shell policy allows it, which rule decided and why; exit 0 when all are allowed, 1 when any is
 * refused, 2 on bad usage. It runs `checkCommand`, the same code path as the guard.
 * `claude-harness policy show` prints the merged policy.
 */
import { realpathSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import type { CommandIO } from '../../cli/io.js';
import { ConfigError, ExitCode, UsageError } from '../../errors/index.js';
import { STATE_DIR_NAME } from '../paths.js';
import { DEFAULT_POLICY } from './default-policy.js';
import { checkCommand, type PolicyDecision } from './evaluate.js';
import { formatPolicy, mergePolicy, type Policy, policyConfigSchema } from './policy.js';

export interface PolicyCheckOptions {
  /** The project folder, relative to `io.cwd`. */
  projectDir: string;
  json: boolean;
  /** Read the commands as a JSON array of strings from `input` instead of `commands`. */
  stdin: boolean;
  commands: string[];
  /** The `policy` section of the project's claude-harness.json, unchecked. */
  policyConfig?: unknown;
  /** Where `--stdin` reads from; process.stdin when left out. */
  input?: NodeJS.ReadableStream;
}

export interface PolicyShowOptions {
  policyConfig?: unknown;
}

/** The default policy extended by a `policy` config section; a bad section is a `ConfigError` (exit 2). */
export function resolvePolicy(policyConfig: unknown): Policy {
  if (policyConfig === undefined) return mergePolicy(DEFAULT_POLICY, undefined);
  const parsed = policyConfigSchema.safeParse(policyConfig);
  if (!parsed.success) {
    throw new ConfigError(
      `The "policy" section of claude-harness.json is not valid:\n${z.prettifyError(parsed.error)}`,
    );
  }
  return mergePolicy(DEFAULT_POLICY, parsed.data);
}

interface CheckResult {
  command: string;
  decision: PolicyDecision['decision'];
  rule: string;
  reason: string;
}

export async function runPolicyCheckCommand(opts: PolicyCheckOptions, io: CommandIO): Promise<number> {
  const projectDir = projectFolder(opts.projectDir, io.cwd);
  const policy = resolvePolicy(opts.policyConfig);
  const commands = await commandsToCheck(opts);
  const context = {
    projectDir,
    stateDir: join(projectDir, STATE_DIR_NAME),
    // This process stands in for the harness: it and its parents are protected, and its own command line
    // (which contains the commands checked) is not taken for a process a pkill pattern would stop.
    protectedPids: [process.pid],
    ignoredPids: [process.pid],
  };
  const results: CheckResult[] = [];
  for (const command of commands) {
    const decision = await checkCommand(command, policy, context);
    results.push({ command, ...decision });
  }
  if (opts.json) {
    io.out.write(`${JSON.stringify(results, null, 2)}\n`);
  } else {
    for (const result of results) {
      io.out.write(`${result.decision === 'allow' ? 'allow' : 'DENY '}  ${oneLine(result.command)}\n`);
      io.out.write(
        `       ${result.decision === 'allow' ? result.reason : `${result.rule}: ${result.reason}`}\n`,
      );
    }
    const denied = results.filter((result) => result.decision === 'deny').length;
    io.out.write(`${results.length - denied} allowed, ${denied} denied (project ${projectDir})\n`);
  }
  return results.some((result) => result.decision === 'deny') ? ExitCode.failure : ExitCode.ok;
}

export async function runPolicyShowCommand(opts: PolicyShowOptions, io: CommandIO): Promise<number> {
  io.out.write(formatPolicy(resolvePolicy(opts.policyConfig)));
  return ExitCode.ok;
}

function projectFolder(dir: string, cwd: string): string {
  if (dir.trim() === '') throw new UsageError('--project-dir is empty: pass the project folder');
  const absolute = resolve(cwd, dir);
  let isDirectory = false;
  try {
    isDirectory = statSync(absolute).isDirectory();
  } catch {
    throw new UsageError(`--project-dir ${dir}: no such folder (${absolute}); pass the project folder`);
  }
  if (!isDirectory) throw new UsageError(`--project-dir ${dir} is not a folder; pass the project folder`);
  return realpathSync(absolute);
}

async function commandsToCheck(opts: PolicyCheckOptions): Promise<string[]> {
  if (!opts.stdin) {
    if (opts.commands.length === 0) {
      throw new UsageError(
        'policy check needs commands to check: pass them as arguments (quoted), or --stdin with a JSON array',
      );
    }
    return opts.commands;
  }
  if (opts.commands.length > 0) {
    throw new UsageError('policy check takes commands either as arguments or with --stdin, not both');
  }
  const text = await readAll(opts.input ?? process.stdin);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--stdin expects a JSON array of command strings: ${(error as Error).message}`);
  }
  if (!Array.isArray(data) || !data.every((item) => typeof item === 'string')) {
    throw new UsageError('--stdin expects a JSON array of command strings, e.g. ["ls", "npm test"]');
  }
  return data;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

function oneLine(command: string): string {
  return command.replace(/\n/g, ' ⏎ ');
}
