/**
 * After a session the model API failed: stop on a failure retrying cannot fix, wait out a usage limit (or
 * exit with --no-wait), pause the run after repeated failures, or back off before the next session.
 */
import { describeDuration } from '../config/duration.js';
import { ExitCode } from '../errors/index.js';
import { type ApiFailure, nextDelayMs, shouldPauseRun } from './backoff.js';
import type { LoopContext } from './context.js';
import { waitOrStop } from './progress.js';

/** Undefined when the loop goes on (after any wait); otherwise the exit code to stop with. */
export async function handleApiFailure(ctx: LoopContext, failure: ApiFailure): Promise<number | undefined> {
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
    return waitOrStop(ctx, waitMs, `usage limit: waiting until ${failure.resetAt.toISOString()}`);
  }
  // Read after the failed session was recorded: it counts in consecutiveFailedSessions.
  const state = await store.load();
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
  io.out.write(`  API trouble (${failure.kind}); next session in ${describeDuration(delay)}.\n`);
  return waitOrStop(ctx, delay, `API trouble (${failure.kind}): next session in ${describeDuration(delay)}`);
}

/** `CLAUDE_HARNESS_BACKOFF_BASE_MS` shortens the session-level backoff (tests, impatient users). */
function backoffBase(env: NodeJS.ProcessEnv): { baseMs?: number } {
  const value = Number(env.CLAUDE_HARNESS_BACKOFF_BASE_MS);
  return Number.isFinite(value) && value > 0 ? { baseMs: value } : {};
}
