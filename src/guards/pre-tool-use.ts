import type { HookCallback, HookCallbackMatcher } from '@anthropic-ai/claude-agent-sdk';
import { ALLOW, type Guard, type GuardContext, type GuardDecision, type ToolCall } from './types.js';

/** Called for every decision, so the run can log denials (and count calls). */
export type DecisionListener = (call: ToolCall, decision: GuardDecision) => void;

/** Runs the guards in order; the first denial wins. A guard that throws denies: the harness fails closed. */
export async function decide(
  guards: readonly Guard[],
  call: ToolCall,
  context: GuardContext,
): Promise<GuardDecision> {
  for (const guard of guards) {
    let decision: GuardDecision;
    try {
      decision = await guard.check(call, context);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      decision = {
        decision: 'deny',
        guard: guard.name,
        rule: 'guard-error',
        reason: `The harness could not check this call (${message}), so it was not run.`,
      };
    }
    if (decision.decision === 'deny') return decision;
  }
  return ALLOW;
}

/**
 * The one PreToolUse hook of a session. Every tool call passes through it, including those the permission
 * mode would approve by itself (canUseTool is not called for those, the hook is).
 */
export function guardHook(
  guards: readonly Guard[],
  context: GuardContext,
  onDecision?: DecisionListener,
): HookCallbackMatcher {
  const hook: HookCallback = async (input, toolUseId) => {
    if (input.hook_event_name !== 'PreToolUse') return { continue: true };
    const call: ToolCall = {
      toolName: input.tool_name,
      input: isRecord(input.tool_input) ? input.tool_input : {},
      ...(toolUseId !== undefined ? { toolUseId } : {}),
    };
    const decision = await decide(guards, call, context);
    onDecision?.(call, decision);
    if (decision.decision === 'allow') return { continue: true };
    return {
      hookSpecificOutput: {
        hookEventName: 'PreToolUse',
        permissionDecision: 'deny',
        permissionDecisionReason: decision.reason,
      },
    };
  };
  return { hooks: [hook] };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
