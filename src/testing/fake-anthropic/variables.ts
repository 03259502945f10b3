/**
 * `{{name}}` substitution in scenario text at play time. Only `{{identifier}}` is touched, so `${x}`, `{x}`
 * and `{{ a: 1 }}` in a scenario stay literal. An unknown name is left in place (the agent then sees it,
 * which makes the mistake visible) and reported through `problems`, so the server records a failure.
 */

import { isObject } from './request-body.js';

const VARIABLE = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/** Replaces the variables in `text`; pushes one message per unknown name, naming `where` it occurred. */
export function substitute(
  text: string,
  variables: Record<string, string>,
  where: string,
  problems: string[],
): string {
  return text.replace(VARIABLE, (whole, name: string) => {
    // Own properties only: `{{constructor}}` must be an unknown variable, not Object's constructor.
    const value = Object.hasOwn(variables, name) ? variables[name] : undefined;
    if (typeof value === 'string') return value;
    problems.push(`unknown variable {{${name}}} in ${where}; pass it in the server's variables`);
    return whole;
  });
}

/** `substitute` applied to every string inside a JSON value (a tool_use input); keys are left alone. */
export function substituteDeep(
  value: unknown,
  variables: Record<string, string>,
  where: string,
  problems: string[],
): unknown {
  if (typeof value === 'string') return substitute(value, variables, where, problems);
  if (Array.isArray(value)) return value.map((v) => substituteDeep(v, variables, where, problems));
  if (isObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = substituteDeep(v, variables, where, problems);
    return out;
  }
  return value;
}
