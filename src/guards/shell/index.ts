/** The shell command policy: parse with tree-sitter, analyze, judge every command against the policy. */
export {
  type PolicyCheckOptions,
  type PolicyShowOptions,
  resolvePolicy,
  runPolicyCheckCommand,
  runPolicyShowCommand,
} from './command.js';
export { DEFAULT_POLICY } from './default-policy.js';
export { checkCommand, type PolicyDecision, type ShellContext } from './evaluate.js';
export { SHELL_GUARD, shellGuard } from './guard.js';
export { loadBashParser } from './parser.js';
export {
  ALWAYS_DENIED,
  formatPolicy,
  mergePolicy,
  type Policy,
  type PolicyConfig,
  policyConfigSchema,
  type RuleName,
  type SubcommandTable,
} from './policy.js';
