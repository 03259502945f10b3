/** The secrets guard: scanning text, tool calls and commits for secret-looking values. See docs/secrets.md. */
export { commitCommandGuard, SECRETS_COMMIT_GUARD } from './commit-guard.js';
export {
  type SecretAllowance,
  type SecretsConfig,
  secretAllowanceSchema,
  secretsConfigSchema,
} from './config.js';
export { SecretsFoundError } from './errors.js';
export { findGitCommits, type GitCommitCall, type GitCommitScan } from './git-command.js';
export { matchesGlob } from './glob.js';
export { formatHits, SECRETS_GUARD, secretsGuard } from './guard.js';
export {
  isAllowed,
  maskSecret,
  type ScanOptions,
  type SecretHit,
  scanText,
  shortRuleId,
  warmUpSecretScanner,
} from './scan.js';
export { assertNoStagedSecrets, isGitWorkTree, type StagedScanOptions, scanStagedDiff } from './staged.js';
