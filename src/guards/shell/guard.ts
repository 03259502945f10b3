/**
 * `shell-policy`: every Bash tool call's command goes through `checkCommand`, the same code path as
 * `claude-harness policy check`. BashOutput and KillShell only read or stop the agent's own background
 * shells, and other tools are left to the other guards.
 */
import { ALLOW, deny, type Guard } from '../types.js';
import { checkCommand } from './evaluate.js';
import type { Policy } from './policy.js';

export const SHELL_GUARD = 'shell-policy';

/**
 * `protectedPids`: the harness's own pid and any it started (the CLI, MCP servers); ancestors are added. Pass a
 * function when pids become known later (the CLI's pid after spawn): it is read at every check.
 */
export function shellGuard(
  policy: Policy,
  protectedPids: readonly number[] | (() => readonly number[]),
): Guard {
  return {
    name: SHELL_GUARD,
    async check(call, context) {
      if (call.toolName !== 'Bash') return ALLOW;
      const command = call.input.command;
      if (typeof command !== 'string') {
        return deny(
          SHELL_GUARD,
          'bad-input',
          'The Bash call has no `command` string: give the command to run.',
        );
      }
      const pids = typeof protectedPids === 'function' ? protectedPids() : protectedPids;
      const decision = await checkCommand(command, policy, { ...context, protectedPids: pids });
      if (decision.decision === 'allow') return ALLOW;
      return deny(
        SHELL_GUARD,
        decision.rule,
        `Command refused by the shell policy (${decision.rule}): ${decision.reason}`,
      );
    },
  };
}
