/**
 * What the analyzer knows between statements, merged over the paths a script can take: every folder it may
 * be in, and the variables every path agrees on.
 */
import { type ShellState, UNKNOWN_CWD, type Word } from './model.js';

/** The state after a statement succeeded and after it failed. */
export interface Outcome {
  ok: ShellState;
  fail: ShellState;
}

/** No path reaches here (after `exit`). */
export const UNREACHABLE: ShellState = { cwds: [], vars: new Map() };

export function same(state: ShellState): Outcome {
  return { ok: state, fail: state };
}

/** The union of what may hold on any of several paths: every possible folder, and only the variables all agree on. */
export function merge(...states: ShellState[]): ShellState {
  const reachable = states.filter((state) => state.cwds.length > 0);
  if (reachable.length === 0) return UNREACHABLE;
  if (reachable.length === 1) return reachable[0] as ShellState;
  const cwds = new Set<string>();
  for (const state of reachable) for (const cwd of state.cwds) cwds.add(cwd);
  const [first, ...rest] = reachable as [ShellState, ...ShellState[]];
  const vars = new Map<string, Word>();
  for (const [name, word] of first.vars) {
    if (rest.every((state) => state.vars.get(name)?.value === word.value)) vars.set(name, word);
  }
  return { cwds: [...cwds], vars };
}

export function sameState(a: ShellState, b: ShellState): boolean {
  if (a.cwds.length !== b.cwds.length || a.vars.size !== b.vars.size) return false;
  const cwds = new Set(a.cwds);
  if (!b.cwds.every((cwd) => cwds.has(cwd))) return false;
  for (const [name, word] of a.vars) if (b.vars.get(name)?.value !== word.value) return false;
  return true;
}

/** After a loop that keeps changing things: folders it may have moved to are unknown, so are its variables. */
export function widen(before: ShellState, after: ShellState): ShellState {
  const cwds = new Set(after.cwds);
  if (!sameState({ cwds: before.cwds, vars: new Map() }, { cwds: after.cwds, vars: new Map() }))
    cwds.add(UNKNOWN_CWD);
  const vars = new Map<string, Word>();
  for (const [name, word] of before.vars)
    if (after.vars.get(name)?.value === word.value) vars.set(name, word);
  return { cwds: [...cwds], vars };
}

/** `a/b/../c` → `a/c` as `cd` does by default (logically, before the kernel sees it). */
export function normalizeLogical(path: string): string {
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return `/${parts.join('/')}`;
}
