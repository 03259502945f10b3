/**
 * How the harness checks the agent's work around a coding session: the in-process `harness` MCP server
 * (feature_pass / feature_give_up), the regression check before the session, the confinement of the test
 * commands it runs, and whether the Playwright MCP server is offered.
 */

import type { RunConfig } from '../config/types.js';
import { confinementFor } from '../guards/confinement.js';
import { readOwnedList, writeOwnedList } from '../ledger/owned-list.js';
import type { EventLog } from '../state/events.js';
import { bubblewrapPath, confineToProject } from '../verify/confine.js';
import { createHarnessMcpServer } from '../verify/mcp-server.js';
import { latestProofs, type Proof, recordProof } from '../verify/proof.js';
import { type RegressionResult, runRegressionChecks } from '../verify/regression.js';
import type { LoopContext } from './context.js';
import type { CodingPlan } from './plan.js';

/** What the harness MCP server learned during a session: the proof of a pass, or why the agent gave up. */
export interface SessionVerification {
  proof: Proof | undefined;
  gaveUp: string | undefined;
}

/** The in-process MCP server through which the agent asks the harness to verify its feature. */
export async function harnessMcpServer(
  ctx: LoopContext,
  plan: CodingPlan,
  verification: SessionVerification,
  session: number,
) {
  const { projectDir, config, events, io } = ctx;
  return createHarnessMcpServer({
    projectDir,
    feature: {
      id: plan.feature.id,
      description: plan.feature.description,
      steps: plan.feature.steps,
      category: plan.feature.category,
      attempts: plan.attempt - 1,
    },
    timeoutMs: config.testTimeoutMs,
    signal: io.signal,
    redact: ctx.redact,
    ...testConfinement(config, projectDir, io.env),
    onPass: async (proof) => {
      await recordProof(projectDir, proof);
      verification.proof = proof;
    },
    onFail: (reason) => {
      verification.gaveUp = reason;
      events.append({ type: 'feature_gave_up', session, featureId: plan.feature.id, reason });
    },
    onEvent: (event) => {
      if (event.outcome !== 'rejected') return;
      io.out.write(`    ⛔ feature_pass refused: ${ctx.redact(event.reason).split('\n')[0]}\n`);
      events.append({
        type: 'verification_rejected',
        session,
        featureId: event.featureId,
        command: event.command,
        stage: event.stage,
        reason: event.reason,
      });
    },
  });
}

/**
 * Before a coding session, re-runs the recorded tests of a sample of passing features (all of them in
 * validation mode). A feature whose proof no longer holds goes back to failing, and the agent is told.
 */
export async function regressionCheck(ctx: LoopContext, plan: CodingPlan): Promise<string[]> {
  const { projectDir, config, events, io } = ctx;
  const sample = config.mode === 'validation' ? 'all' : config.regressionSample;
  if (sample === 0) return [];
  const passing = new Set(plan.features.filter((f) => f.passes).map((f) => f.id));
  const proofs = (await latestProofs(projectDir)).filter((p) => passing.has(p.featureId));
  if (proofs.length === 0) return [];
  const results = await runRegressionChecks({
    projectDir,
    proofs,
    sample,
    timeoutMs: config.testTimeoutMs,
    signal: io.signal,
    ...testConfinement(config, projectDir, io.env),
  });
  const failed = results.filter((r) => !r.ok);
  io.out.write(`  regression check: ${results.length - failed.length}/${results.length} still pass\n`);
  if (failed.length === 0) return [];
  const owned = (await readOwnedList(projectDir)) ?? plan.features;
  for (const result of failed) {
    recordRegression(events, result, [owned, plan.features]);
    io.out.write(`  ✗ regression: ${result.featureId} no longer passes (\`${result.command}\`)\n`);
  }
  await writeOwnedList(projectDir, owned);
  return failed.map(
    (r) =>
      `${r.featureId} passed before, but its test \`${r.command}\` fails now (${(r.reason ?? '').split('\n')[0]}). It is marked failing again.`,
  );
}

/**
 * Test commands the harness runs for the agent (feature_pass, regression checks, validation) are the agent's
 * code: with the sandbox on they run in bubblewrap, confined to the project like the agent's own shell.
 */
export function testConfinement(
  config: RunConfig,
  projectDir: string,
  env: NodeJS.ProcessEnv,
): { wrapArgv?: (argv: readonly string[]) => string[] } {
  if (!config.sandbox) return {};
  const bwrap = bubblewrapPath(env);
  if (bwrap === undefined) return {};
  const confinement = confinementFor({ projectDir, env, config: config.confinement });
  return { wrapArgv: confineToProject(confinement, bwrap) };
}

/**
 * The Playwright MCP server costs seconds at every session start (the CLI waits for it), so it can be turned
 * off: by the caller (the demo builds no web page) or with CLAUDE_HARNESS_BROWSER_MCP=0.
 */
export function browserMcpEnabled(ctx: LoopContext): boolean {
  if (ctx.options.browserMcp === false) return false;
  return ctx.io.env.CLAUDE_HARNESS_BROWSER_MCP !== '0';
}

/** A feature whose recorded test fails now: marked failing in each of `lists`, and a `regression` event. */
export function recordRegression(
  events: EventLog,
  result: RegressionResult,
  lists: readonly { id: string; passes: boolean }[][],
): void {
  for (const list of lists) {
    const feature = list.find((f) => f.id === result.featureId);
    if (feature) feature.passes = false;
  }
  events.append({
    type: 'regression',
    featureId: result.featureId,
    command: result.command,
    reason: result.reason,
  });
}
