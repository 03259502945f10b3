/**
 * The in-process MCP server `harness`: how the agent asks the harness to decide about its feature.
 *
 *   feature_current               the assigned feature: id, description, steps, attempts so far
 *   feature_pass {id, test_command}  the harness verifies the command itself (verify.ts); on success it
 *                                 calls `onPass(proof)`, otherwise it answers with the reason and the
 *                                 output tail so the agent can fix the code or the test and try again
 *   feature_fail {id, reason}     gives up this attempt: `onFail(reason)`
 *
 * The model sees the tools as `mcp__harness__feature_current` etc. MCP tools are refused unless approved:
 * the session must list HARNESS_ALLOWED_TOOLS in `allowedTools` (or approve them in `canUseTool`).
 */
import type { McpSdkServerConfigWithInstance } from '@anthropic-ai/claude-agent-sdk';
import { z } from 'zod';
import { hasUncommittedChanges, headCommit } from '../vcs/git.js';
import { proofDir } from './browser.js';
import type { Proof } from './proof.js';
import { describeCounts } from './run-tests.js';
import { ACCEPTED_FORMS } from './test-command.js';
import { type VerifyStage, verifyTestCommand } from './verify.js';

export const HARNESS_SERVER_NAME = 'harness';
export const FEATURE_CURRENT_TOOL = `mcp__${HARNESS_SERVER_NAME}__feature_current`;
export const FEATURE_PASS_TOOL = `mcp__${HARNESS_SERVER_NAME}__feature_pass`;
export const FEATURE_FAIL_TOOL = `mcp__${HARNESS_SERVER_NAME}__feature_fail`;
/** Add to the session's `allowedTools`: without an approval the CLI refuses MCP tools. */
export const HARNESS_ALLOWED_TOOLS: readonly string[] = [
  FEATURE_CURRENT_TOOL,
  FEATURE_PASS_TOOL,
  FEATURE_FAIL_TOOL,
];

export interface AssignedFeature {
  id: string;
  description: string;
  steps: readonly string[];
  category?: string;
  /** Earlier attempts at this feature (this session not counted). */
  attempts: number;
}

/** Logged by the caller: every decision the tools made. */
export type VerificationEvent =
  | { tool: 'feature_pass'; featureId: string; command: string; outcome: 'passed'; proof: Proof }
  | {
      tool: 'feature_pass';
      featureId: string;
      command: string;
      outcome: 'rejected';
      stage: 'feature' | VerifyStage;
      reason: string;
    }
  | { tool: 'feature_fail'; featureId: string; outcome: 'gave-up'; reason: string };

export interface HarnessToolsOptions {
  projectDir: string;
  /** The feature this session works on (a function when it can change between calls). */
  feature: AssignedFeature | (() => AssignedFeature | undefined);
  /** Called once, with the proof, when a feature_pass succeeds; flip `passes` and record the proof here. */
  onPass: (proof: Proof) => void | Promise<void>;
  /** Called once when the agent gives up the attempt. */
  onFail: (reason: string) => void | Promise<void>;
  /** For each test run. */
  timeoutMs: number;
  /** Stops a running test (the session ended). */
  signal?: AbortSignal;
  /** Environment for the test run (default: process.env without the model credentials). */
  env?: Record<string, string | undefined>;
  /** Applied to every output tail, in proofs and in answers. */
  redact?: (text: string) => string;
  /** HEAD and whether the tree is dirty; default: git in projectDir. */
  commitInfo?: () => Promise<{ commit: string | null; dirty: boolean }>;
  now?: () => Date;
  onEvent?: (event: VerificationEvent) => void;
  /** Characters of output tail in answers and proofs (default 4000). */
  tailChars?: number;
  killGraceMs?: number;
  /** Confinement for the test run (see RunTestOptions.wrapArgv). */
  wrapArgv?: (argv: readonly string[]) => string[];
}

export interface ToolAnswer {
  text: string;
  isError: boolean;
}

export interface FeatureTools {
  featureCurrent(): Promise<ToolAnswer>;
  featurePass(args: { id: string; test_command: string }, signal?: AbortSignal): Promise<ToolAnswer>;
  featureFail(args: { id: string; reason: string }): Promise<ToolAnswer>;
  /** What happened so far in this session. */
  readonly status: 'open' | 'passed' | 'gave-up';
}

/** The tools' logic, without MCP (the server below wraps it; tests call it directly). */
export function createFeatureTools(options: HarnessToolsOptions): FeatureTools {
  let status: FeatureTools['status'] = 'open';
  /** feature_pass calls run one at a time: two test runs at once would fight over ports and files. */
  let queue: Promise<unknown> = Promise.resolve();
  const redact = options.redact ?? ((text: string) => text);
  const current = () => (typeof options.feature === 'function' ? options.feature() : options.feature);
  const emit = (event: VerificationEvent) => options.onEvent?.(event);

  const wrongFeature = (id: string): ToolAnswer | undefined => {
    const feature = current();
    if (feature === undefined) return error('No feature is assigned to this session.');
    if (id !== feature.id) {
      return error(
        `This session is assigned ${feature.id}; it cannot decide about ${id}. Work on ${feature.id}.`,
      );
    }
    return undefined;
  };

  const closed = (): ToolAnswer | undefined => {
    if (status === 'passed') return error('This feature was already verified as passing in this session.');
    if (status === 'gave-up') return error('This attempt was given up with feature_fail; end the session.');
    return undefined;
  };

  const pass = async (
    args: { id: string; test_command: string },
    signal?: AbortSignal,
  ): Promise<ToolAnswer> => {
    const refusal = wrongFeature(args.id) ?? closed();
    if (refusal) {
      emit({
        tool: 'feature_pass',
        featureId: args.id,
        command: args.test_command,
        outcome: 'rejected',
        stage: 'feature',
        reason: refusal.text,
      });
      return refusal;
    }
    const signals = [options.signal, signal].filter((s): s is AbortSignal => s !== undefined);
    const verification = await verifyTestCommand({
      command: args.test_command,
      projectDir: options.projectDir,
      timeoutMs: options.timeoutMs,
      ...(signals.length > 0 ? { signal: AbortSignal.any(signals) } : {}),
      ...(options.env ? { env: options.env } : {}),
      ...(options.tailChars !== undefined ? { tailChars: options.tailChars } : {}),
      ...(options.killGraceMs !== undefined ? { killGraceMs: options.killGraceMs } : {}),
      ...(options.wrapArgv ? { wrapArgv: options.wrapArgv } : {}),
      // Playwright's screenshots and traces of this run: kept as part of the proof, out of git.
      artifactsDir: proofDir(options.projectDir, args.id),
    });
    if (!verification.ok) {
      emit({
        tool: 'feature_pass',
        featureId: args.id,
        command: args.test_command,
        outcome: 'rejected',
        stage: verification.stage,
        reason: verification.reason,
      });
      const output = verification.run?.outputTail
        ? `\n\nOutput (end):\n${redact(verification.run.outputTail)}`
        : '';
      return error(
        `REJECTED: ${args.id} does not pass. ${verification.reason.replace(/\.$/, '')}.${output}\n\nFix the code or the test and call feature_pass again, or give up with feature_fail.`,
      );
    }
    const { run } = verification;
    const counts = run.counts as NonNullable<typeof run.counts>;
    const where = await (options.commitInfo ?? (() => gitCommitInfo(options.projectDir)))().catch(() => ({
      commit: null,
      dirty: true,
    }));
    const proof: Proof = {
      featureId: args.id,
      command: args.test_command,
      ...(run.runner ? { runner: run.runner } : {}),
      exitCode: run.exitCode ?? 0,
      durationMs: run.durationMs,
      counts,
      outputTail: redact(run.outputTail),
      commit: where.commit,
      dirty: where.dirty,
      files: verification.files,
      at: (options.now ?? (() => new Date()))().toISOString(),
    };
    try {
      await options.onPass(proof);
    } catch (cause) {
      const message = cause instanceof Error ? cause.message : String(cause);
      return error(`The tests passed, but the harness could not record it (${message}). Try again.`);
    }
    status = 'passed';
    emit({ tool: 'feature_pass', featureId: args.id, command: args.test_command, outcome: 'passed', proof });
    return ok(
      `VERIFIED: ${args.id} passes (${describeCounts(counts)}, ${(run.durationMs / 1000).toFixed(1)} s). ` +
        'The harness marked it passing and recorded the proof. Commit your work and end the session.',
    );
  };

  return {
    get status() {
      return status;
    },
    async featureCurrent() {
      const feature = current();
      if (feature === undefined) return error('No feature is assigned to this session.');
      return ok(
        JSON.stringify(
          {
            id: feature.id,
            ...(feature.category !== undefined ? { category: feature.category } : {}),
            description: feature.description,
            steps: feature.steps,
            attempts: feature.attempts,
            status,
            howToPass: `Write a real test for this feature, then call feature_pass with the command that runs it, one of: ${ACCEPTED_FORMS.join(' | ')}. The harness runs it itself.`,
          },
          null,
          2,
        ),
      );
    },
    featurePass(args, signal) {
      const result = queue.then(() => pass(args, signal));
      queue = result.catch(() => undefined);
      return result;
    },
    async featureFail(args) {
      const refusal = wrongFeature(args.id) ?? closed();
      if (refusal) return refusal;
      const reason = args.reason.trim() === '' ? '(no reason given)' : args.reason.trim();
      await options.onFail(reason);
      status = 'gave-up';
      emit({ tool: 'feature_fail', featureId: args.id, outcome: 'gave-up', reason });
      return ok(`Recorded: ${args.id} was not finished (${reason}). End the session now.`);
    },
  };
}

/**
 * The MCP server to pass as `mcpServers: { harness: server }`. Async because it loads the Agent SDK, which
 * the CLI loads lazily everywhere.
 */
export async function createHarnessMcpServer(
  options: HarnessToolsOptions,
): Promise<McpSdkServerConfigWithInstance> {
  const { createSdkMcpServer, tool } = await import('@anthropic-ai/claude-agent-sdk');
  const tools = createFeatureTools(options);
  const toResult = (answer: ToolAnswer) => ({
    content: [{ type: 'text' as const, text: answer.text }],
    ...(answer.isError ? { isError: true } : {}),
  });
  return createSdkMcpServer({
    name: HARNESS_SERVER_NAME,
    version: '1.0.0',
    // Never deferred behind tool search: the agent must see these tools from its first turn.
    alwaysLoad: true,
    // The CLI must not cut a test run short; the harness's own timeout applies (plus time to stop it).
    timeout: options.timeoutMs + 30_000,
    tools: [
      tool(
        'feature_current',
        'The feature assigned to this session: its id, description, verification steps and earlier attempts.',
        {},
        async () => toResult(await tools.featureCurrent()),
        { annotations: { readOnlyHint: true } },
      ),
      tool(
        'feature_pass',
        'Ask the harness to mark the assigned feature as passing. The harness runs `test_command` itself and ' +
          'accepts it only if it is a plain test-runner invocation (e.g. `npx vitest run tests/f001.test.ts`, ' +
          '`npx playwright test e2e/f001.spec.ts`, `node --test test/f001.test.js`, `npm test -- …`) that runs ' +
          'at least one real test, with assertions, none skipped or focused, and every test passes. On ' +
          'rejection you get the reason and the output; fix and call again.',
        {
          id: z.string().min(1).describe('The assigned feature id, e.g. F003'),
          test_command: z.string().min(1).describe('The test command that proves the feature works'),
        },
        async (args, extra) => toResult(await tools.featurePass(args, signalOf(extra))),
      ),
      tool(
        'feature_fail',
        'Give up the assigned feature for this session, saying why (what blocks it). The next session retries.',
        {
          id: z.string().min(1).describe('The assigned feature id'),
          reason: z.string().min(1).describe('What is blocking the feature'),
        },
        async (args) => toResult(await tools.featureFail(args)),
      ),
    ],
  });
}

async function gitCommitInfo(projectDir: string): Promise<{ commit: string | null; dirty: boolean }> {
  const commit = (await headCommit(projectDir)) ?? null;
  const dirty = await hasUncommittedChanges(projectDir);
  return { commit, dirty };
}

function signalOf(extra: unknown): AbortSignal | undefined {
  const signal = (extra as { signal?: unknown } | null)?.signal;
  return signal instanceof AbortSignal ? signal : undefined;
}

function ok(text: string): ToolAnswer {
  return { text, isError: false };
}

function error(text: string): ToolAnswer {
  return { text, isError: true };
}
