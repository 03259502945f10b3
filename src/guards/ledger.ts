import { basename } from 'node:path';
import { resolveInProject } from './paths.js';
import { ALLOW, deny, type Guard } from './types.js';

/**
 * The feature list belongs to the harness once the initializer is done: the agent may read it, but a
 * feature passes only through `mcp__harness__feature_pass`, which runs the tests itself. Writes through the
 * file tools are refused here; writes through the shell that name the file are refused too; anything that
 * slips through (a script the agent runs) is undone after the session and reported as tampering.
 */
export const LEDGER_GUARD = 'ledger';

const OWNED_FILES = new Set(['feature_list.json']);
const WRITE_TOOLS = new Set(['Write', 'Edit', 'MultiEdit', 'NotebookEdit']);
/** Shell words that change a file named on the same command line. */
const SHELL_WRITERS =
  /(^|[\s;&|(])(sed\s+(-[a-zA-Z]*i|--in-place)|mv|cp|rm|tee|truncate|dd|perl\s+-[a-zA-Z]*i|install|ln)\b|>>?|\bjq\b.*>/;

const REASON =
  'feature_list.json is owned by the harness. Do not edit it: when your feature works, call ' +
  'mcp__harness__feature_pass with its id and the test command that proves it (the harness runs the tests ' +
  'and records the result), or mcp__harness__feature_fail with a reason.';

export function ledgerGuard(isOwned: () => boolean): Guard {
  return {
    name: LEDGER_GUARD,
    check(call, context) {
      if (!isOwned()) return ALLOW;
      if (WRITE_TOOLS.has(call.toolName)) {
        const path = call.input.file_path ?? call.input.notebook_path;
        if (typeof path !== 'string') return ALLOW;
        const { resolved } = resolveInProject(context.projectDir, path);
        if (
          OWNED_FILES.has(basename(resolved)) &&
          resolved === `${context.projectDir}/${basename(resolved)}`
        ) {
          return deny(LEDGER_GUARD, 'feature-list-write', REASON);
        }
        return ALLOW;
      }
      if (call.toolName === 'Bash' && typeof call.input.command === 'string') {
        const command = call.input.command;
        if ([...OWNED_FILES].some((file) => command.includes(file)) && SHELL_WRITERS.test(command)) {
          return deny(LEDGER_GUARD, 'feature-list-shell-write', REASON);
        }
      }
      return ALLOW;
    },
  };
}
