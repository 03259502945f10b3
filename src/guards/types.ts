/**
 * Guards decide, before it runs, whether a tool call the agent asked for may run. Each guard is data plus a
 * small evaluator; `pre-tool-use.ts` runs them in order in one PreToolUse hook and the first denial wins.
 * A denial's reason is sent back to the agent as the tool's error result, so it must say what to do instead.
 */

/** One tool call as the agent asked for it (the SDK's real tool names: Bash, Write, Edit, Read, mcp__…). */
export interface ToolCall {
  toolName: string;
  input: Record<string, unknown>;
  /** The SDK's id of the call, when known. */
  toolUseId?: string;
}

/** What every guard knows about the run. */
export interface GuardContext {
  /** Absolute, symlinks resolved. */
  projectDir: string;
  /** The harness's own state folder (`.claude-harness/` in the project), read-only to the agent. */
  stateDir: string;
}

export type GuardDecision =
  | { decision: 'allow' }
  | {
      decision: 'deny';
      /** Which guard said no, e.g. `shell-policy`, `path-confinement`, `secrets`, `loop-detector`. */
      guard: string;
      /** The rule inside that guard, stable for logs and tests, e.g. `rm-outside-project`. */
      rule: string;
      /** Told to the agent: what was refused and what to do instead. */
      reason: string;
    };

export interface Guard {
  readonly name: string;
  check(call: ToolCall, context: GuardContext): GuardDecision | Promise<GuardDecision>;
}

export const ALLOW: GuardDecision = Object.freeze({ decision: 'allow' });

export function deny(guard: string, rule: string, reason: string): GuardDecision {
  return { decision: 'deny', guard, rule, reason };
}
