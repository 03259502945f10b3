import { z } from 'zod';

/**
 * The `secrets` section of `claude-harness.json`. Nothing is allowed by guessing (a file named `example`,
 * a word like `test`): a fake secret in a test fixture is allowed only by an entry here, with the reason.
 *
 * ```json
 * "secrets": {
 *   "allow": [
 *     { "path": "test/fixtures/**", "rule": "github", "reason": "fake tokens for the parser tests" }
 *   ]
 * }
 * ```
 */
export const secretAllowanceSchema = z
  .strictObject({
    path: z
      .string()
      .regex(/\S/, { error: '`path` must not be empty' })
      .refine((value) => !value.startsWith('/') && !value.split(/[\\/]/).includes('..'), {
        error: '`path` must be relative to the project folder, without `..`',
      })
      .describe(
        'A file path or glob relative to the project folder: `*` and `?` match inside one folder name, `**` any number of folders.',
      ),
    rule: z
      .string()
      .regex(/\S/, { error: '`rule` must not be empty' })
      .optional()
      .describe(
        'Only this detector, e.g. `github`, `aws`, `privatekey`, `private-key-header`, `anthropic-token`; every detector when omitted.',
      ),
    reason: z
      .string({ error: 'an allowance needs a `reason`' })
      .regex(/\S/, { error: '`reason` must say why this is allowed' })
      .describe('Why these files may hold something that looks like a secret.'),
  })
  .describe('Files that may contain something that looks like a secret (a fake in a test fixture).');

export const secretsConfigSchema = z
  .strictObject({
    allow: z.array(secretAllowanceSchema).optional(),
  })
  .describe('The secrets guard: which files may hold secret-looking values.');

export type SecretAllowance = z.infer<typeof secretAllowanceSchema>;
export type SecretsConfig = z.infer<typeof secretsConfigSchema>;
