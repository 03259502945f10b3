/**
 * The long-running loop: fresh agent sessions, one after another, until every feature passes, every
 * remaining one is skipped, a limit is hit or the user stops it. Everything it learns goes to
 * `.claude-harness/` as it happens, so a rerun of the same command resumes where it stopped — also after
 * `kill -9`.
 */
import { copyFile, mkdir, readFile, realpath, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { CommandIO } from '../cli/io.js';
import type { RunConfig } from '../config/types.js';
import type { Env } from '../engine/env.js';
import { terminateTree } from '../engine/process-tree.js';
import { ExitCode, UsageError } from '../errors/index.js';
import {
  FEATURE_LIST_FILE,
  type IdentifiedFeature,
  readFeatureList,
  validateFeatureList,
} from '../ledger/feature-list.js';
import { readOwnedList, reconcileFeatureList, writeOwnedList } from '../ledger/owned-list.js';
import { markSpecPlanned, plannedSpecHash, specHash } from '../ledger/planned-spec.js';
import { canStartSession, estimateNextSessionCost, sessionSpendLimit } from '../report/cost.js';
import { createNotifier, type NotifyEvent } from '../report/notify.js';
import { createRedactor, type Redactor } from '../report/redact.js';
import { SessionLog } from '../report/session-log.js';
import { type EventLog, openEventLog } from '../state/events.js';
import { acquireRunLock, findLeftoverAgent } from '../state/lock.js';
import { countedAttempts } from '../state/mutations.js';
import { harnessDir } from '../state/paths.js';
import { COUNTED_OUTCOMES, type EndedOutcome, type HarnessState } from '../state/schema.js';
import { openState, type StateStore } from '../state/store.js';
import { isRepo, recentLog } from '../vcs/git.js';
import { browserMcpServers } from '../verify/browser.js';
import { bubblewrapPath, confineToProject } from '../verify/confine.js';
import { createHarnessMcpServer, HARNESS_SERVER_NAME } from '../verify/mcp-server.js';
import { latestProofs, type Proof, recordProof } from '../verify/proof.js';
import { runRegressionChecks } from '../verify/regression.js';
import { nextDelayMs, shouldPauseRun } from './backoff.js';
import { checkpoint } from './checkpoint.js';
import { buildCodingPrompt } from './coding-prompt.js';
import { abortableDelay } from './delay.js';
import { buildGuards } from './guards.js';
import { cleanupSessionProcesses, snapshotProcesses } from './process-cleanup.js';
import { loadPrompt } from './prompts.js';
import { prepareSandbox } from './sandbox-setup.js';
import { type HarnessSessionReport, runHarnessSession } from './session-runner.js';

export interface LoopOptions {
  /** Variables for the CLI child on top of the user's environment (the demo points it at the fake model). */
  engineEnv?: Env;
  /** Environment variables removed from the CLI child's environment. */
  unsetEnv?: readonly string[];
  /** Offer the agent the Playwright MCP server (when Chromium is installed); default true. */
  browserMcp?: boolean;
  /** For tests: the random source of the backoff jitter. */
  random?: () => number;
}

type Plan =
  | { kind: 'initializer'; retryNote: string | undefined; extend?: boolean }
  | { kind: 'coding'; feature: IdentifiedFeature; features: IdentifiedFeature[]; attempt: number }
  | { kind: 'done'; exitCode: number; message: string };

export async function runLoop(config: RunConfig, io: CommandIO, options: LoopOptions = {}): Promise<number> {
  if (config.mode === 'backlog') {
    throw new UsageError(
      '--mode backlog needs a tracker integration (Linear, Azure DevOps, GitHub Issues), which this version does not have yet: use --mode greenfield, enhancement, bugfix or validation.',
    );
  }
  if (config.mode === 'validation') return runValidation(config, io);
  const baseEnv: Env = { ...io.env };
  for (const name of options.unsetEnv ?? []) delete baseEnv[name];
  const redact = createRedactor({
    env: io.env,
    ...(config.notifyUrl ? { extraSecrets: { NOTIFY_URL: config.notifyUrl } } : {}),
  });
  // With --json, stdout carries only the event stream; everything for people goes to stderr.
  const human: CommandIO = config.json ? { ...io, out: io.err } : io;
  // The sandbox is checked before anything is written to the project.
  const sandbox = await prepareSandbox(config, human, baseEnv, options.engineEnv);

  await mkdir(config.projectDir, { recursive: true });
  const projectDir = await realpath(config.projectDir);
  if (config.specPath !== undefined) await copySpec(config.specPath, projectDir);

  const lock = await acquireRunLock(projectDir);
  try {
    if (lock.previous) {
      const leftover = findLeftoverAgent(lock.previous, projectDir);
      if (leftover !== undefined) {
        human.out.write(`Stopping the agent a previous run left behind (pid ${leftover}) before going on.\n`);
        await terminateTree(leftover);
      }
    }
    const store = openState(projectDir);
    const interrupted = await store.markRunningSessionsInterrupted();
    await store.startRun({ mode: config.mode, model: config.model, specPath: config.specPath });
    const events = teeEvents(openEventLog(projectDir), config.json ? io.out : undefined);
    const notifier = config.notifyUrl
      ? createNotifier({ url: config.notifyUrl, log: (line) => human.err.write(`${redact(line)}\n`) })
      : undefined;
    events.append({ type: 'run_start', mode: config.mode, model: config.model, resumed: interrupted });
    human.out.write(
      `claude-harness · project ${config.projectDir} · mode ${config.mode} · model ${config.model}\n`,
    );
    human.out.write(`sandbox: ${sandbox.description}\n`);
    if (interrupted.length > 0) {
      human.out.write(
        `Resuming: session ${interrupted.join(', ')} was cut off and is recorded as interrupted.\n`,
      );
    }
    const exitCode = await loop({
      config,
      io: human,
      options,
      projectDir,
      store,
      events,
      redact,
      sandbox,
      lock,
      baseEnv,
      notify: (event, details) => notifier?.notify({ event, project: projectDir, details }),
      startedAt: Date.now(),
    });
    events.append({ type: 'run_end', exitCode });
    notifier?.notify({
      event: exitCode === ExitCode.ok ? 'run_completed' : 'run_stopped',
      project: projectDir,
      details: { exitCode },
    });
    await notifier?.flush(5_000);
    return exitCode;
  } finally {
    await lock.release();
  }
}

interface LoopContext {
  config: RunConfig;
  io: CommandIO;
  options: LoopOptions;
  projectDir: string;
  store: StateStore;
  events: EventLog;
  redact: Redactor;
  sandbox: Awaited<ReturnType<typeof prepareSandbox>>;
  lock: Awaited<ReturnType<typeof acquireRunLock>>;
  baseEnv: Env;
  notify: (event: NotifyEvent, details: Record<string, unknown>) => void;
  /** When this invocation started (for --max-duration). */
  startedAt: number;
}

async function loop(ctx: LoopContext): Promise<number> {
  const { config, io, projectDir, store, events } = ctx;
  let ledgerOwned = false;
  const guards = buildGuards(config, () => ledgerOwned);
  const guardContext = { projectDir, stateDir: harnessDir(projectDir) };
  let sessionsThisRun = 0;
  let notices: string[] = [];

  for (;;) {
    if (io.signal.aborted) return stopped(io, config);
    const plan = await planNext(ctx);
    if (plan.kind === 'done') {
      io.out.write(`${plan.message}\n`);
      await printTotals(io, store);
      return plan.exitCode;
    }
    if (config.maxIterations !== undefined && sessionsThisRun >= config.maxIterations) {
      io.out.write(
        `Stopped after ${sessionsThisRun} session${sessionsThisRun === 1 ? '' : 's'} (--max-iterations ${config.maxIterations}). Run the same command again to continue.\n`,
      );
      await printTotals(io, store);
      return ExitCode.limit;
    }
    const limit = await limitReached(ctx);
    if (limit !== undefined) return limit;
    if (sessionsThisRun > 0 && config.autoContinueDelayMs > 0) {
      io.out.write(`Next session in ${formatSeconds(config.autoContinueDelayMs)} (Ctrl+C to stop).\n`);
      if (!(await abortableDelay(config.autoContinueDelayMs, io.signal))) return stopped(io, config);
    }
    sessionsThisRun++;

    if (plan.kind === 'coding') notices.push(...(await regressionCheck(ctx, plan)));
    ledgerOwned = plan.kind === 'coding' || (plan.kind === 'initializer' && plan.extend === true);
    const featureId = plan.kind === 'coding' ? plan.feature.id : undefined;
    const number = await store.beginSession({ kind: plan.kind, featureId });
    const verification: SessionVerification = { proof: undefined, gaveUp: undefined };
    const harnessServer =
      plan.kind === 'coding' ? await harnessMcpServer(ctx, plan, verification, number) : undefined;
    const prompt = await buildPrompt(ctx, plan, notices);
    notices = [];
    const label =
      plan.kind === 'coding'
        ? `session ${number} (coding ${plan.feature.id}, attempt ${plan.attempt})`
        : `session ${number} (initializer)`;
    if (plan.kind === 'coding') {
      const passing = plan.features.filter((f) => f.passes).length;
      io.out.write(`\n── ${label} · ${plan.feature.description}\n`);
      io.out.write(`   ${await progressLine(ctx, passing, plan.features.length)}\n`);
    } else {
      io.out.write(`\n── ${label}\n`);
    }
    events.append({ type: 'session_start', session: number, kind: plan.kind, featureId });

    const log = new SessionLog({ out: io.out, projectDir, label, verbosity: config.verbosity });
    const processes = snapshotProcesses();
    const report = await runHarnessSession({
      sessionNumber: number,
      projectDir,
      prompt,
      model: config.model,
      baseEnv: ctx.baseEnv,
      engineEnv: ctx.options.engineEnv,
      sandbox: ctx.sandbox.settings,
      // Approved by the session's canUseTool like every call the guards let through; naming them in
      // allowedTools would only make the SDK warn that canUseTool is shadowed.
      ...(harnessServer
        ? {
            mcpServers: {
              [HARNESS_SERVER_NAME]: harnessServer,
              ...(browserMcpEnabled(ctx) ? browserMcpServers(projectDir) : {}),
            },
          }
        : {}),
      timeouts: {
        firstResponseMs: config.firstResponseTimeoutMs,
        idleMs: config.stallTimeoutMs,
        sessionMs: Math.max(
          1_000,
          Math.min(
            config.sessionTimeoutMs,
            config.maxDurationMs === undefined
              ? Number.POSITIVE_INFINITY
              : ctx.startedAt + config.maxDurationMs - Date.now(),
          ),
        ),
        toolAllowanceMs: config.toolAllowanceMs,
      },
      guards,
      guardContext,
      maxBudgetUsd: await sessionBudget(ctx),
      signal: io.signal,
      log,
      events,
      redact: ctx.redact,
      onSpawn: (pid) => {
        ctx.lock.recordCliPid(pid);
        void store.patchSession(number, { cliPid: pid });
      },
    });
    ctx.lock.recordCliPid(undefined);

    const verdict =
      plan.kind === 'initializer'
        ? plan.extend
          ? await afterExtension(ctx, report)
          : await afterInitializer(ctx, report)
        : await afterCoding(ctx, plan, report, verification);
    notices.push(...verdict.notices);
    await store.endSession(number, verdict.outcome, {
      reason: verdict.reason,
      featureId,
      sdkSessionId: report.sdkSessionId,
      costUsd: report.result?.costUsd,
      tokens: report.result
        ? { input: report.result.usage.inputTokens, output: report.result.usage.outputTokens }
        : undefined,
      turns: report.result?.numTurns,
    });
    events.append({
      type: 'session_end',
      session: number,
      kind: plan.kind,
      featureId,
      outcome: verdict.outcome,
      reason: verdict.reason,
      costUsd: report.result?.costUsd ?? 0,
      toolCalls: report.toolCalls,
      denials: report.denials,
    });
    if (report.result?.subtype === 'error_max_budget_usd') {
      events.append({
        type: 'budget_stop',
        limit: 'max-session-budget-usd',
        session: number,
        spentUsd: report.result.costUsd,
        reason: 'the session reached its spending cap and was stopped',
      });
      io.out.write(
        `  ■ session ${number} stopped at its spending cap (${report.result.costUsd.toFixed(4)} USD)\n`,
      );
    }
    if (verdict.outcome !== 'passed') {
      io.out.write(`  ${outcomeWord(verdict.outcome)}: ${ctx.redact(verdict.reason ?? '')}\n`);
    }
    if (plan.kind === 'coding') await maybeSkip(ctx, plan.feature, verdict.outcome);

    // Dev servers and browsers this session started go with it; a user's own processes never do.
    const leftovers = await cleanupSessionProcesses(processes, {
      projectDir,
      log: (line) => io.out.write(`  ${ctx.redact(line)}\n`),
    });
    if (leftovers.length > 0) {
      events.append({
        type: 'processes_stopped',
        session: number,
        processes: leftovers.map((p) => ({ pid: p.pid, command: p.command, ports: p.ports })),
      });
    }
    const saved = await checkpoint(
      projectDir,
      `chore(harness): checkpoint after session ${number}${featureId ? ` (${featureId})` : ''}`,
      config.secrets,
    );
    if (saved.kind === 'committed') {
      events.append({ type: 'checkpoint', session: number, commit: saved.hash });
      io.out.write(`  checkpoint commit ${saved.hash.slice(0, 7)}\n`);
    } else if (saved.kind === 'blocked') {
      events.append({ type: 'checkpoint_blocked', session: number, hits: saved.hits });
      io.out.write(
        `  ⛔ checkpoint not committed: secrets in the changes:\n    ${saved.hits.replaceAll('\n', '\n    ')}\n`,
      );
      notices.push(
        `The last checkpoint was not committed because of secrets in the changes:\n${saved.hits}\nRemove them (use environment variables).`,
      );
    }

    if (report.outcome.kind === 'interrupted') return stopped(io, config);
    if (report.outcome.kind === 'api-error') {
      const code = await handleApiFailure(ctx, report.outcome.failure);
      if (code !== undefined) return code;
    }
  }
}

async function planNext(ctx: LoopContext): Promise<Plan> {
  const { projectDir, store } = ctx;
  let owned = await readOwnedList(projectDir);
  if (owned === undefined) {
    const onDisk = await readFeatureList(projectDir);
    if (!onDisk.ok) {
      const state = await store.load();
      const failed = state.sessions.filter(
        (x) => x.kind === 'initializer' && (COUNTED_OUTCOMES as readonly string[]).includes(x.outcome),
      );
      if (failed.length >= ctx.config.maxRetries) {
        return {
          kind: 'done',
          exitCode: ExitCode.failure,
          message: `\n✗ The initializer failed ${failed.length} times (--max-retries ${ctx.config.maxRetries}); last problem: ${failed.at(-1)?.reason ?? 'unknown'}. Fix the spec or write feature_list.json yourself, then run again.`,
        };
      }
      return { kind: 'initializer', retryNote: onDisk.missing ? undefined : onDisk.error };
    }
    // A valid list the harness has not adopted yet (a crash right after the initializer, or a project that
    // brings its own list): adopt it without another session.
    owned = await store.assignFeatureIds(onDisk.features);
    await writeOwnedList(projectDir, owned);
    await markSpecPlanned(projectDir);
  }
  if (
    (ctx.config.mode === 'enhancement' || ctx.config.mode === 'bugfix') &&
    (await specHash(projectDir)) !== (await plannedSpecHash(projectDir))
  ) {
    return { kind: 'initializer', retryNote: undefined, extend: true };
  }
  if (owned.length > 0 && owned.every((f) => f.passes)) {
    return { kind: 'done', exitCode: ExitCode.ok, message: `\n✓ All ${owned.length} features pass.` };
  }
  const state = await store.load();
  const skipped = new Set(
    Object.entries(state.features)
      .filter(([, r]) => r.skipped)
      .map(([id]) => id),
  );
  const next = owned.find((f) => !f.passes && !skipped.has(f.id));
  if (next === undefined) {
    const passing = owned.filter((f) => f.passes).length;
    return {
      kind: 'done',
      exitCode: ExitCode.skipped,
      message: `\n■ ${passing} of ${owned.length} features pass; the other ${owned.length - passing} were skipped after ${ctx.config.maxRetries} failed attempts each. See them with: claude-harness skipped --project-dir ${ctx.config.projectDir}`,
    };
  }
  return { kind: 'coding', feature: next, features: owned, attempt: countedAttempts(state, next.id) + 1 };
}

async function buildPrompt(
  ctx: LoopContext,
  plan: Exclude<Plan, { kind: 'done' }>,
  notices: string[],
): Promise<string> {
  const { config, projectDir, store } = ctx;
  if (plan.kind === 'initializer' && plan.extend) {
    return loadPrompt('extend', { mode: config.mode }, config.promptsDir);
  }
  if (plan.kind === 'initializer') {
    let prompt = await loadPrompt('initializer', { featureCount: config.featureCount }, config.promptsDir);
    if (plan.retryNote !== undefined) {
      prompt += await loadPrompt('initializer-retry', { validationError: plan.retryNote }, config.promptsDir);
    }
    return prompt;
  }
  const state = await store.load();
  const attempts = (state.features[plan.feature.id]?.attempts ?? []).map((a) => ({
    session: a.session,
    outcome: a.outcome,
    reason: a.reason,
  }));
  return buildCodingPrompt({
    feature: plan.feature,
    attempts,
    passing: plan.features.filter((f) => f.passes).length,
    total: plan.features.length,
    gitLog: (await isRepo(projectDir)) ? await recentLog(projectDir, 10) : [],
    progressTail: await readFile(join(projectDir, 'claude-progress.txt'), 'utf8').catch(() => ''),
    notices,
    promptsDir: config.promptsDir,
  });
}

interface Verdict {
  outcome: EndedOutcome;
  reason: string | undefined;
  notices: string[];
}

async function afterInitializer(ctx: LoopContext, report: HarnessSessionReport): Promise<Verdict> {
  const interruption = outcomeOfInterruption(report);
  const list = await readFeatureList(ctx.projectDir);
  if (list.ok) {
    const features = await ctx.store.assignFeatureIds(list.features);
    await writeOwnedList(ctx.projectDir, features);
    await markSpecPlanned(ctx.projectDir);
    ctx.io.out.write(
      `  feature list accepted: ${features.length} features, ids ${features[0]?.id}…${features.at(-1)?.id}\n`,
    );
    ctx.events.append({ type: 'feature_list_accepted', count: features.length });
    return { outcome: 'passed', reason: undefined, notices: [] };
  }
  if (interruption) return { ...interruption, notices: [] };
  ctx.events.append({ type: 'feature_list_rejected', error: list.error });
  return { outcome: 'failed', reason: list.error, notices: [] };
}

async function afterCoding(
  ctx: LoopContext,
  plan: Extract<Plan, { kind: 'coding' }>,
  report: HarnessSessionReport,
  verification: SessionVerification,
): Promise<Verdict> {
  const text = await readFile(join(ctx.projectDir, FEATURE_LIST_FILE), 'utf8').catch(() => undefined);
  const owned = (await readOwnedList(ctx.projectDir)) ?? plan.features;
  // Only the harness flips `passes`, from the proof its own test run produced.
  const reconciled = reconcileFeatureList(owned, text, plan.feature.id, false);
  const proof = verification.proof;
  if (proof) {
    const target = reconciled.features.find((f) => f.id === plan.feature.id);
    if (target) target.passes = true;
  }
  await writeOwnedList(ctx.projectDir, reconciled.features);
  const notices: string[] = [];
  if (reconciled.tampering.length > 0) {
    ctx.events.append({ type: 'tamper', featureId: plan.feature.id, changes: reconciled.tampering });
    ctx.io.out.write(`  ⛔ feature_list.json changes undone: ${reconciled.tampering.join('; ')}\n`);
    notices.push(
      `Changes to feature_list.json other than setting your feature's "passes" were undone: ${reconciled.tampering.join('; ')}.`,
    );
  }
  if (proof) {
    ctx.events.append({
      type: 'feature_passed',
      featureId: plan.feature.id,
      command: proof.command,
      counts: proof.counts,
      commit: proof.commit,
    });
    const passed = proof.counts.passed;
    ctx.io.out.write(
      `  ✓ ${plan.feature.id} passes: \`${proof.command}\` ran ${passed} passing test${passed === 1 ? '' : 's'}\n`,
    );
    return { outcome: 'passed', reason: undefined, notices };
  }
  if (verification.gaveUp !== undefined) {
    return { outcome: 'failed', reason: `the agent gave up: ${verification.gaveUp}`, notices };
  }
  const interruption = outcomeOfInterruption(report);
  if (interruption) return { ...interruption, notices };
  const reason =
    report.outcome.kind === 'error'
      ? report.outcome.message
      : `the session ended without a passing test run for ${plan.feature.id} (mcp__harness__feature_pass)`;
  return { outcome: 'failed', reason, notices };
}

/** The outcome of a session the harness or the user cut short, or undefined when it ended by itself. */
function outcomeOfInterruption(report: HarnessSessionReport): Omit<Verdict, 'notices'> | undefined {
  const o = report.outcome;
  switch (o.kind) {
    case 'timeout':
      return { outcome: o.expiry.reason === 'session' ? 'timeout' : 'aborted', reason: o.expiry.message };
    case 'loop':
      return { outcome: 'aborted', reason: `loop detected (${o.verdict.pattern}): ${o.verdict.message}` };
    case 'api-error':
      return { outcome: 'api-error', reason: `${o.failure.kind}: ${o.failure.message}` };
    case 'interrupted':
      return { outcome: 'interrupted', reason: 'stopped by the user' };
    default:
      return undefined;
  }
}

async function maybeSkip(ctx: LoopContext, feature: IdentifiedFeature, outcome: EndedOutcome): Promise<void> {
  if (outcome === 'passed') return;
  const state = await ctx.store.load();
  const attempts = countedAttempts(state, feature.id);
  if (attempts < ctx.config.maxRetries) return;
  const reasons = (state.features[feature.id]?.attempts ?? []).map((a) => a.reason ?? a.outcome);
  const reason = `${attempts} failed attempts: ${reasons.join(' | ')}`;
  await ctx.store.skipFeature(feature.id, reason);
  ctx.events.append({ type: 'feature_skipped', featureId: feature.id, reason });
  ctx.notify('feature_skipped', { featureId: feature.id, description: feature.description, reason });
  ctx.io.out.write(
    `  ■ ${feature.id} skipped after ${attempts} failed attempts (--max-retries ${ctx.config.maxRetries})\n`,
  );
}

async function handleApiFailure(
  ctx: LoopContext,
  failure: NonNullable<Extract<HarnessSessionReport['outcome'], { kind: 'api-error' }>['failure']>,
): Promise<number | undefined> {
  const { io, config, store } = ctx;
  if (!failure.retryable) {
    io.err.write(
      `claude-harness: the model API refused the request (${failure.kind}): ${ctx.redact(failure.message)}\n`,
    );
    return ExitCode.failure;
  }
  if (failure.kind === 'usage_limit' && failure.resetAt !== undefined) {
    if (!config.waitOnUsageLimit) {
      io.err.write(
        `claude-harness: usage limit reached; it resets at ${failure.resetAt.toISOString()}. Run again then (or without --no-wait to wait).\n`,
      );
      return ExitCode.paused;
    }
    const waitMs = Math.max(0, failure.resetAt.getTime() - Date.now());
    io.out.write(
      `Usage limit reached: waiting until ${failure.resetAt.toISOString()} (Ctrl+C to stop; --no-wait to exit instead).\n`,
    );
    ctx.events.append({ type: 'usage_limit_wait', until: failure.resetAt.toISOString() });
    return (await abortableDelay(waitMs, io.signal)) ? undefined : stopped(io, config);
  }
  const state: HarnessState = await store.load();
  if (shouldPauseRun(state.consecutiveFailedSessions)) {
    io.err.write(
      `claude-harness: the model API failed in ${state.consecutiveFailedSessions} sessions in a row (last: ${failure.kind}). Paused; run the same command again later to continue.\n`,
    );
    return ExitCode.paused;
  }
  const delay = nextDelayMs({
    attempt: state.consecutiveFailedSessions,
    retryAfterMs: failure.retryAfterMs,
    ...backoffBase(io.env),
    ...(ctx.options.random ? { random: ctx.options.random } : {}),
  });
  io.out.write(`  API trouble (${failure.kind}); next session in ${formatSeconds(delay)}.\n`);
  return (await abortableDelay(delay, io.signal)) ? undefined : stopped(io, config);
}

function stopped(io: CommandIO, config: RunConfig): number {
  io.err.write(
    `Stopped. Nothing is lost: run the same command again to continue (project ${config.projectDir}).\n`,
  );
  return ExitCode.interrupted;
}

async function printTotals(io: CommandIO, store: StateStore): Promise<void> {
  const { totals } = await store.load();
  io.out.write(
    `Sessions: ${totals.sessions} · tokens ${totals.inputTokens.toLocaleString('en-US')} in / ${totals.outputTokens.toLocaleString('en-US')} out · cost $${totals.costUsd.toFixed(4)}\n`,
  );
}

async function copySpec(specPath: string, projectDir: string): Promise<void> {
  const target = join(projectDir, 'app_spec.txt');
  const [from, to] = await Promise.all([realpath(specPath), realpath(target).catch(() => target)]);
  if (from !== to) await copyFile(specPath, target);
}

function outcomeWord(outcome: EndedOutcome): string {
  return {
    passed: 'passed',
    failed: 'not passing',
    aborted: 'aborted',
    timeout: 'timed out',
    'api-error': 'API error',
    interrupted: 'interrupted',
  }[outcome];
}

function formatSeconds(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1)} s`;
}

/** `CLAUDE_HARNESS_BACKOFF_BASE_MS` shortens the session-level backoff (tests, impatient users). */
function backoffBase(env: NodeJS.ProcessEnv): { baseMs?: number } {
  const value = Number(env.CLAUDE_HARNESS_BACKOFF_BASE_MS);
  return Number.isFinite(value) && value > 0 ? { baseMs: value } : {};
}

interface SessionVerification {
  proof: Proof | undefined;
  gaveUp: string | undefined;
}

/** The in-process MCP server through which the agent asks the harness to verify its feature. */
async function harnessMcpServer(
  ctx: LoopContext,
  plan: Extract<Plan, { kind: 'coding' }>,
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
async function regressionCheck(ctx: LoopContext, plan: Extract<Plan, { kind: 'coding' }>): Promise<string[]> {
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
    for (const list of [owned, plan.features]) {
      const feature = list.find((f) => f.id === result.featureId);
      if (feature) feature.passes = false;
    }
    events.append({
      type: 'regression',
      featureId: result.featureId,
      command: result.command,
      reason: result.reason,
    });
    io.out.write(`  ✗ regression: ${result.featureId} no longer passes (\`${result.command}\`)\n`);
  }
  await writeOwnedList(projectDir, owned);
  return failed.map(
    (r) =>
      `${r.featureId} passed before, but its test \`${r.command}\` fails now (${(r.reason ?? '').split('\n')[0]}). It is marked failing again.`,
  );
}

/** The run-level limits (--max-budget-usd, --max-duration) checked before a session starts. */
async function limitReached(ctx: LoopContext): Promise<number | undefined> {
  const { config, io, events, store } = ctx;
  if (config.maxDurationMs !== undefined) {
    const elapsedMs = Date.now() - ctx.startedAt;
    if (elapsedMs >= config.maxDurationMs) {
      const reason = `the run reached --max-duration after ${Math.round(elapsedMs / 1000)} s`;
      events.append({
        type: 'budget_stop',
        limit: 'max-duration',
        elapsedMs,
        limitMs: config.maxDurationMs,
        reason,
      });
      ctx.notify('budget_reached', { limit: 'max-duration', elapsedMs });
      io.out.write(`\n■ Stopped: ${reason}. Nothing is lost: run the same command again to continue.\n`);
      await printTotals(io, store);
      return ExitCode.limit;
    }
  }
  if (config.maxBudgetUsd === undefined) return undefined;
  const state = await store.load();
  const costs = state.sessions.filter((x) => x.outcome !== 'running').map((x) => x.costUsd);
  const decision = canStartSession({
    spentUsd: state.totals.costUsd,
    budgetUsd: config.maxBudgetUsd,
    estimateNextUsd: estimateNextSessionCost(costs, { sessionCapUsd: config.maxSessionBudgetUsd }),
  });
  if (decision.ok) return undefined;
  events.append({
    type: 'budget_stop',
    limit: 'max-budget-usd',
    spentUsd: decision.spentUsd,
    limitUsd: decision.budgetUsd,
    estimateNextUsd: decision.estimateNextUsd,
    reason: decision.message,
  });
  ctx.notify('budget_reached', {
    limit: 'max-budget-usd',
    spentUsd: decision.spentUsd,
    budgetUsd: decision.budgetUsd,
  });
  io.out.write(`\n■ ${decision.message}\n`);
  await printTotals(io, store);
  return ExitCode.limit;
}

/** The SDK's own spending cap for the next session: the smaller of the session cap and what is left. */
async function sessionBudget(ctx: LoopContext): Promise<number | undefined> {
  const { config } = ctx;
  if (config.maxBudgetUsd === undefined && config.maxSessionBudgetUsd === undefined) return undefined;
  const state = await ctx.store.load();
  return sessionSpendLimit({
    spentUsd: state.totals.costUsd,
    budgetUsd: config.maxBudgetUsd,
    sessionCapUsd: config.maxSessionBudgetUsd,
  });
}

/** `[████░░░░] 3/8 passing · 1 skipped · 12,345 tokens · $0.4200` */
async function progressLine(ctx: LoopContext, passing: number, total: number): Promise<string> {
  const state = await ctx.store.load();
  const skipped = Object.values(state.features).filter((f) => f.skipped).length;
  const width = 20;
  const filled = total === 0 ? 0 : Math.round((passing / total) * width);
  const tokens = state.totals.inputTokens + state.totals.outputTokens;
  return `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${passing}/${total} passing · ${skipped} skipped · ${tokens.toLocaleString('en-US')} tokens · $${state.totals.costUsd.toFixed(4)}`;
}

/** With --json, every event also goes to stdout as the same JSON line that events.jsonl gets. */
function teeEvents(log: EventLog, out: NodeJS.WritableStream | undefined): EventLog {
  if (out === undefined) return log;
  return {
    path: log.path,
    read: () => log.read(),
    append(record) {
      const at = record.at ?? new Date().toISOString();
      log.append({ ...record, at });
      const { type, v: _v, at: _at, ...fields } = record;
      out.write(`${JSON.stringify({ v: 1, at, type, ...fields })}\n`);
    },
  };
}

/**
 * `--mode validation`: no agent at all. Re-runs the recorded test of every passing feature; a feature whose
 * proof no longer holds goes back to failing. Exit 0 when every one still passes, 1 otherwise.
 */
async function runValidation(config: RunConfig, io: CommandIO): Promise<number> {
  const projectDir = await realpath(config.projectDir);
  const owned = await readOwnedList(projectDir);
  if (owned === undefined) {
    throw new UsageError(
      `--mode validation needs a project the harness has planned: ${config.projectDir} has no harness feature list yet. Run it in greenfield or enhancement mode first.`,
    );
  }
  const lock = await acquireRunLock(projectDir);
  try {
    const events = openEventLog(projectDir);
    const passing = new Set(owned.filter((f) => f.passes).map((f) => f.id));
    const proofs = (await latestProofs(projectDir)).filter((p) => passing.has(p.featureId));
    const unproven = [...passing].filter((id) => !proofs.some((p) => p.featureId === id));
    io.out.write(
      `Validating ${proofs.length} passing feature${proofs.length === 1 ? '' : 's'} by re-running their recorded tests…\n`,
    );
    const results = await runRegressionChecks({
      projectDir,
      proofs,
      sample: 'all',
      timeoutMs: config.testTimeoutMs,
      signal: io.signal,
      ...testConfinement(config, projectDir, io.env),
    });
    for (const result of results) {
      io.out.write(`  ${result.ok ? '✓' : '✗'} ${result.featureId}  ${result.command}\n`);
      if (result.ok) continue;
      const feature = owned.find((f) => f.id === result.featureId);
      if (feature) feature.passes = false;
      events.append({
        type: 'regression',
        featureId: result.featureId,
        command: result.command,
        reason: result.reason,
      });
      io.out.write(`      ${(result.reason ?? '').split('\n')[0]}\n`);
    }
    for (const id of unproven) io.out.write(`  ? ${id}  passes, but has no recorded test to re-run\n`);
    const failed = results.filter((r) => !r.ok).length;
    if (failed > 0) await writeOwnedList(projectDir, owned);
    io.out.write(
      failed === 0
        ? `All ${results.length} still pass.\n`
        : `${failed} of ${results.length} no longer pass and are marked failing again; a normal run will work on them.\n`,
    );
    return failed === 0 ? ExitCode.ok : ExitCode.failure;
  } finally {
    await lock.release();
  }
}

/**
 * The Playwright MCP server costs seconds at every session start (the CLI waits for it), so it can be turned
 * off: by the caller (the demo builds no web page) or with CLAUDE_HARNESS_BROWSER_MCP=0.
 */
function browserMcpEnabled(ctx: LoopContext): boolean {
  if (ctx.options.browserMcp === false) return false;
  return ctx.io.env.CLAUDE_HARNESS_BROWSER_MCP !== '0';
}

/**
 * Test commands the harness runs for the agent (feature_pass, regression checks, validation) are the agent's
 * code: with the sandbox on they run in bubblewrap, confined to the project like the agent's own shell.
 */
function testConfinement(
  config: RunConfig,
  projectDir: string,
  env: NodeJS.ProcessEnv,
): { wrapArgv?: (argv: readonly string[]) => string[] } {
  if (!config.sandbox) return {};
  const bwrap = bubblewrapPath(env);
  return bwrap === undefined ? {} : { wrapArgv: confineToProject(projectDir, bwrap) };
}

/**
 * After an enhancement/bugfix planning session: the agent's `new_features.json` entries are appended to the
 * harness list (category set to the mode, not passing, new ids); existing entries are never touched.
 */
async function afterExtension(ctx: LoopContext, report: HarnessSessionReport): Promise<Verdict> {
  const { projectDir, config } = ctx;
  const file = join(projectDir, 'new_features.json');
  const text = await readFile(file, 'utf8').catch(() => undefined);
  const owned = (await readOwnedList(projectDir)) ?? [];
  // Whatever happened to feature_list.json during the session, the harness copy stands.
  const reconciled = reconcileFeatureList(
    owned,
    await readFile(join(projectDir, FEATURE_LIST_FILE), 'utf8').catch(() => undefined),
    undefined,
    false,
  );
  const notices =
    reconciled.tampering.length > 0
      ? [`Changes to feature_list.json were undone: ${reconciled.tampering.join('; ')}.`]
      : [];
  const parsed = text === undefined ? undefined : validateFeatureList(text);
  if (parsed === undefined || !parsed.ok) {
    await writeOwnedList(projectDir, reconciled.features);
    const interruption = outcomeOfInterruption(report);
    if (interruption) return { ...interruption, notices };
    return {
      outcome: 'failed',
      reason:
        parsed?.ok === false
          ? parsed.error.replace('feature_list.json', 'new_features.json')
          : 'new_features.json was not written',
      notices,
    };
  }
  const added = parsed.features.map(({ id: _id, ...f }) => ({ ...f, category: config.mode, passes: false }));
  const features = await ctx.store.assignFeatureIds([...reconciled.features, ...added]);
  await writeOwnedList(projectDir, features);
  await rm(file, { force: true });
  await markSpecPlanned(projectDir);
  ctx.io.out.write(
    `  ${added.length} new ${config.mode} feature${added.length === 1 ? '' : 's'} appended: ${features
      .slice(-added.length)
      .map((f) => f.id)
      .join(', ')}\n`,
  );
  ctx.events.append({ type: 'feature_list_accepted', count: features.length, added: added.length });
  return { outcome: 'passed', reason: undefined, notices };
}
