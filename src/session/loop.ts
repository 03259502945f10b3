/**
 * The long-running loop: fresh agent sessions, one after another, until every feature passes, every
 * remaining one is skipped, a limit is hit or the user stops it. Everything it learns goes to
 * `.claude-harness/` as it happens, so a rerun of the same command resumes where it stopped — also after
 * `kill -9`.
 *
 * This file sets the run up and runs one iteration after another; the parts live next to it: `plan.ts` (what
 * the next session does, its prompt), `limits.ts` (iterations, duration, budget), `verification.ts` (the
 * harness MCP server, regression checks), `verdicts.ts` (what a finished session amounts to, skipping),
 * `api-failure.ts` (backoff, usage limits), `progress.ts` (progress and totals lines) and `validation.ts`
 * (`--mode validation`).
 */
import { mkdir, readFile, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import type { CommandIO } from '../cli/io.js';
import { describeDuration } from '../config/duration.js';
import type { RunConfig } from '../config/types.js';
import type { Env } from '../engine/env.js';
import { terminateTree } from '../engine/process-tree.js';
import { ExitCode, UsageError } from '../errors/index.js';
import { readOwnedList } from '../ledger/owned-list.js';
import { createProgressView, type ProgressView, runSummary, wantsLiveView } from '../report/live-view.js';
import { createNotifier, type NotifyEvent } from '../report/notify.js';
import { createRedactor, redactEvents } from '../report/redact.js';
import { SessionLog } from '../report/session-log.js';
import { cleanTerminalText } from '../report/terminal-text.js';
import { type EventLog, openEventLog, teeEvents } from '../state/events.js';
import { reportIntegrityTo } from '../state/integrity.js';
import { acquireRunLock, findLeftoverAgent } from '../state/lock.js';
import { harnessDir } from '../state/paths.js';
import { writeProjectFileAtomic } from '../state/safe-fs.js';
import { openState, type StateStore } from '../state/store.js';
import { browserMcpServers } from '../verify/browser.js';
import { HARNESS_SERVER_NAME } from '../verify/mcp-server.js';
import { handleApiFailure } from './api-failure.js';
import { checkpoint } from './checkpoint.js';
import type { LoopContext, LoopOptions } from './context.js';
import { buildGuards } from './guards.js';
import {
  durationStop,
  limitCut,
  limitReached,
  limitVerdict,
  reportSpendCap,
  sessionBudget,
  sessionTimeLimit,
} from './limits.js';
import { buildPrompt, planNext } from './plan.js';
import { cleanupSessionProcesses, snapshotProcesses } from './process-cleanup.js';
import { outcomeWord, printTotals, runFigures, stopped, waitOrStop } from './progress.js';
import { bindSandboxToProject, prepareSandbox } from './sandbox-setup.js';
import { runHarnessSession } from './session-runner.js';
import { runValidation } from './validation.js';
import { judgeSession, maybeSkip } from './verdicts.js';
import {
  browserMcpEnabled,
  harnessMcpServer,
  regressionCheck,
  type SessionVerification,
} from './verification.js';

export type { LoopOptions };

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
  const prepared = await prepareSandbox(config, human, baseEnv, options.engineEnv, options.sandboxOffReason);

  await mkdir(config.projectDir, { recursive: true });
  const projectDir = await realpath(config.projectDir);
  const sandbox = await bindSandboxToProject(
    prepared,
    projectDir,
    { ...baseEnv, ...options.engineEnv },
    config,
  );
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
    const view = createProgressView({
      io: human,
      live: wantsLiveView(human.out, io.env, config.plain),
      redact,
    });
    if (view.live) io.routeStopNotice?.((text) => view.io.err.write(text));
    try {
      return await runWithView(view);
    } finally {
      if (view.live) io.routeStopNotice?.(undefined);
      view.close();
    }
  } finally {
    await lock.release();
  }

  async function runWithView(view: ProgressView): Promise<number> {
    const human = view.io;
    const events = redactEvents(
      teeEvents(openEventLog(projectDir), config.json ? io.out : undefined),
      redact,
    );
    // Links removed and records recovered, from the start (the spec copy, the lock) and from now on.
    const stopIntegrity = reportIntegrityTo(events, (line) =>
      human.out.write(cleanTerminalText(redact(line))),
    );
    try {
      return await runSession(view, events);
    } finally {
      stopIntegrity();
    }
  }

  async function runSession(view: ProgressView, events: EventLog): Promise<number> {
    const human = view.io;
    const store = openState(projectDir);
    const interrupted = await store.markRunningSessionsInterrupted();
    await store.startRun({ mode: config.mode, model: config.model, specPath: config.specPath });
    const notifier = config.notifyUrl
      ? createNotifier({ url: config.notifyUrl, redact, log: (line) => human.err.write(`${line}\n`) })
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
      view,
      baseEnv,
      notify: (event, details) => notifier?.notify({ event, project: projectDir, details }),
      startedAt: Date.now(),
    });
    events.append({ type: 'run_end', exitCode });
    if (notifier) {
      notifier.notify(await runEndNotification(projectDir, store, exitCode));
      await notifier.flush(5_000);
    }
    return exitCode;
  }
}

async function loop(ctx: LoopContext): Promise<number> {
  const { config, io, projectDir, store, events, view } = ctx;
  let ledgerOwned = false;
  const guards = buildGuards(config, () => ledgerOwned);
  const guardContext = { projectDir, stateDir: harnessDir(projectDir) };
  let sessionsThisRun = 0;
  let notices: string[] = [];

  for (;;) {
    if (io.signal.aborted) return stopped(io, config);
    // The state as of now: good for everything up to the end of the session (starting it changes nothing
    // that planning, the limits, the prompt or the progress line read).
    const { plan, state } = await planNext(ctx);
    if (plan.kind === 'done') {
      io.out.write(`${plan.message}\n`);
      printTotals(io, state);
      return plan.exitCode;
    }
    const figures = runFigures(state, plan.kind === 'coding' ? plan.features : []);
    view.setRun(figures);
    const limit = limitReached(ctx, state, sessionsThisRun);
    if (limit !== undefined) return limit;
    if (sessionsThisRun > 0 && config.autoContinueDelayMs > 0) {
      const wait = describeDuration(config.autoContinueDelayMs);
      io.out.write(`Next session in ${wait} (Ctrl+C to stop).\n`);
      const stop = await waitOrStop(ctx, config.autoContinueDelayMs, `next session in ${wait}`);
      if (stop !== undefined) return stop;
    }
    sessionsThisRun++;

    if (plan.kind === 'coding') notices.push(...(await regressionCheck(ctx, plan)));
    ledgerOwned = plan.kind === 'coding' || (plan.kind === 'initializer' && plan.extend === true);
    const featureId = plan.kind === 'coding' ? plan.feature.id : undefined;
    const number = await store.beginSession({ kind: plan.kind, featureId });
    const verification: SessionVerification = { proof: undefined, gaveUp: undefined };
    const harnessServer =
      plan.kind === 'coding' ? await harnessMcpServer(ctx, plan, verification, number) : undefined;
    const prompt = await buildPrompt(ctx, plan, state, notices);
    notices = [];
    const label =
      plan.kind === 'coding'
        ? `session ${number} (coding ${plan.feature.id}, attempt ${plan.attempt})`
        : `session ${number} (initializer)`;
    if (plan.kind === 'coding') {
      io.out.write(`\n── ${label} · ${plan.feature.description}\n`);
      io.out.write(`   ${runSummary(figures)}\n`);
    } else {
      io.out.write(`\n── ${label}\n`);
    }
    events.append({ type: 'session_start', session: number, kind: plan.kind, featureId });
    view.sessionStarted({
      number,
      label:
        plan.kind === 'coding'
          ? `coding ${plan.feature.id}, attempt ${plan.attempt}`
          : plan.extend
            ? 'planning'
            : 'initializer',
    });

    const log = new SessionLog({
      out: io.out,
      projectDir,
      label,
      verbosity: config.verbosity,
      observe: (event) => view.observe(event),
      redact: ctx.redact,
    });
    const processes = snapshotProcesses();
    const timeLimit = sessionTimeLimit(ctx);
    const spendCap = sessionBudget(ctx, state);
    const report = await runHarnessSession({
      sessionNumber: number,
      projectDir,
      prompt,
      model: config.model,
      baseEnv: ctx.baseEnv,
      engineEnv: { ...ctx.sandbox.env, ...ctx.options.engineEnv },
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
        sessionMs: timeLimit.ms,
        toolAllowanceMs: config.toolAllowanceMs,
      },
      guards,
      guardContext,
      maxBudgetUsd: spendCap?.usd,
      signal: io.signal,
      log,
      events,
      onSpawn: (pid) => {
        ctx.lock.recordCliPid(pid);
        void store.patchSession(number, { cliPid: pid });
      },
    });
    ctx.lock.recordCliPid(undefined);
    view.sessionEnded({
      tokens: report.spent.inputTokens + report.spent.outputTokens,
      costUsd: report.spent.costUsd ?? 0,
    });

    const cut = limitCut(report, timeLimit, spendCap);
    const verdict = limitVerdict(ctx, cut, await judgeSession(ctx, plan, report, verification));
    notices.push(...verdict.notices);
    await store.endSession(number, verdict.outcome, {
      reason: verdict.reason,
      featureId,
      sdkSessionId: report.sdkSessionId,
      costUsd: report.spent.costUsd,
      tokens: { input: report.spent.inputTokens, output: report.spent.outputTokens },
      turns: report.spent.turns,
    });
    events.append({
      type: 'session_end',
      session: number,
      kind: plan.kind,
      featureId,
      outcome: verdict.outcome,
      reason: verdict.reason,
      costUsd: report.spent.costUsd ?? 0,
      toolCalls: report.toolCalls,
      denials: report.denials,
    });
    reportSpendCap(ctx, number, cut, state);
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
    if (cut?.kind === 'run-duration') return durationStop(ctx, await store.load(), number);
    if (report.outcome.kind === 'api-error') {
      const code = await handleApiFailure(ctx, report.outcome.failure);
      if (code !== undefined) return code;
    }
  }
}

/**
 * Copies the spec to `<project>/app_spec.txt` unless it is that file. The copy never goes through a link
 * planted in its place (`projectDir` is a real path, so only the file itself compares equal).
 */
async function copySpec(specPath: string, projectDir: string): Promise<void> {
  const target = join(projectDir, 'app_spec.txt');
  if ((await realpath(specPath)) === target) return;
  writeProjectFileAtomic(projectDir, target, await readFile(specPath));
}

/** `run_completed` when the run ended by itself (all pass, or the rest skipped), else `run_stopped` and why. */
async function runEndNotification(
  projectDir: string,
  store: StateStore,
  exitCode: number,
): Promise<{ event: NotifyEvent; project: string; details: Record<string, unknown> }> {
  const [state, owned] = await Promise.all([store.load(), readOwnedList(projectDir)]);
  const figures = runFigures(state, owned ?? []);
  const common = { passing: figures.passing, total: figures.total, costUsd: state.totals.costUsd };
  if (exitCode === ExitCode.ok || exitCode === ExitCode.skipped) {
    return {
      event: 'run_completed',
      project: projectDir,
      details: { exitCode, ...common, skipped: figures.skipped, sessions: state.totals.sessions },
    };
  }
  return {
    event: 'run_stopped',
    project: projectDir,
    details: { exitCode, reason: STOP_REASONS[exitCode] ?? `exit code ${exitCode}`, ...common },
  };
}

const STOP_REASONS: Readonly<Record<number, string>> = {
  [ExitCode.failure]: 'the run failed; its output says why',
  [ExitCode.limit]: 'a limit was reached (--max-iterations, --max-duration or --max-budget-usd)',
  [ExitCode.paused]: 'paused: the model API kept failing, or a usage limit was reached',
  [ExitCode.interrupted]: 'stopped by the user (Ctrl+C or SIGTERM)',
};
