import type { RunConfig } from '../config/types.js';
import { fileToolGuard } from '../guards/file-tools.js';
import { ledgerGuard } from '../guards/ledger.js';
import { commitCommandGuard, secretsGuard } from '../guards/secrets/index.js';
import { resolvePolicy, shellGuard } from '../guards/shell/index.js';
import type { Guard } from '../guards/types.js';

/**
 * The guards every session's PreToolUse hook runs, in order, after the per-session loop detector. The
 * cheapest go first; the first denial wins and its reason goes back to the agent.
 */
export function buildGuards(config: RunConfig, ledgerOwned: () => boolean): Guard[] {
  const policy = resolvePolicy(config.policy);
  return [
    fileToolGuard(),
    ledgerGuard(ledgerOwned),
    // The policy adds the harness's ancestors, PID 1 and its non-shell descendants (the CLI, MCP servers).
    shellGuard(policy, () => [process.pid]),
    secretsGuard(config.secrets ?? {}),
    commitCommandGuard(config.secrets ?? {}),
  ];
}
