import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DEFAULT_POLICY } from '../../../src/guards/shell/default-policy.js';
import {
  formatPolicy,
  mergePolicy,
  policyConfigSchema,
  RULE_NAMES,
} from '../../../src/guards/shell/policy.js';
import { RULES } from '../../../src/guards/shell/rules/index.js';

describe('policy config', () => {
  it('accepts every documented key and rejects unknown keys and bad values', () => {
    const config = {
      allowCommands: ['make'],
      denyCommands: ['curl'],
      allowHosts: ['api.example.com', '*.example.org', '[::1]'],
      allowPackages: ['@scope/tool', 'vite'],
      denyPackages: ['jest'],
      allowInlineCode: true,
      subcommands: { git: { allow: ['submodule'], deny: ['push'] }, npm: { deny: ['publish'] } },
    };
    expect(policyConfigSchema.parse(config)).toEqual(config);
    for (const bad of [
      { allowComands: ['x'] },
      { allowCommands: ['rm -rf'] },
      { allowCommands: ['/bin/x'] },
      { allowCommands: ['source'] },
      { allowHosts: ['http://x'] },
      { subcommands: { svn: { allow: ['x'] } } },
      { allowInlineCode: 'yes' },
    ]) {
      expect(policyConfigSchema.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
  });

  it('has a JSON Schema for editors', () => {
    const schema = z.toJSONSchema(policyConfigSchema) as {
      properties: Record<string, unknown>;
      additionalProperties: boolean;
    };
    expect(Object.keys(schema.properties)).toEqual([
      'allowCommands',
      'denyCommands',
      'allowHosts',
      'allowPackages',
      'denyPackages',
      'allowInlineCode',
      'subcommands',
    ]);
    expect(schema.additionalProperties).toBe(false);
  });

  it('merges without changing the defaults; refusals win', () => {
    const merged = mergePolicy(DEFAULT_POLICY, {
      allowCommands: ['make', 'ssh', 'curl'],
      denyCommands: ['curl'],
      subcommands: { git: { allow: ['clone'] } },
    });
    expect(merged.commands.make).toBe('plain');
    expect(merged.deniedCommands.ssh).toBeUndefined();
    expect(merged.commands.ssh).toBe('plain');
    expect(merged.commands.curl).toBeUndefined();
    expect(merged.subcommands.git.allow).toContain('clone');
    expect(merged.subcommands.git.deny.clone).toBeUndefined();
    expect(DEFAULT_POLICY.commands.make).toBeUndefined();
    expect(DEFAULT_POLICY.deniedCommands.ssh).toBeDefined();
    expect(Object.isFrozen(DEFAULT_POLICY.commands)).toBe(true);
  });

  it('every command names a rule that exists', () => {
    for (const [name, rule] of Object.entries(DEFAULT_POLICY.commands)) {
      expect(RULE_NAMES, name).toContain(rule);
      expect(RULES[rule], name).toBeTypeOf('function');
    }
    expect(JSON.parse(formatPolicy(DEFAULT_POLICY)).commands.git).toBe('git');
  });
});
