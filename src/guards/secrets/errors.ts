import { ExitCode, HarnessError } from '../../errors/index.js';
import type { SecretHit } from './scan.js';

/** A commit was about to record secret-looking values. Lists each as `file:line`, with the value masked. */
export class SecretsFoundError extends HarnessError {
  readonly hits: readonly SecretHit[];

  constructor(hits: readonly SecretHit[], what = 'the staged changes') {
    const shown = hits
      .slice(0, 20)
      .map((hit) => `  ${hit.file}:${hit.line} ${hit.message} (${hit.masked}) [${hit.ruleId}]`);
    if (hits.length > 20) shown.push(`  … and ${hits.length - 20} more`);
    super(
      'HARNESS_SECRETS',
      [
        `${what} hold ${hits.length === 1 ? 'a secret-looking value' : `${hits.length} secret-looking values`}, so nothing was committed:`,
        ...shown,
        'Move real secrets to environment variables; a deliberate test fake needs an allowance in claude-harness.json ("secrets": { "allow": [{ "path", "rule", "reason" }] }).',
      ].join('\n'),
      ExitCode.failure,
    );
    this.hits = hits;
  }
}
