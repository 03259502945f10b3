/**
 * Python tooling: `pip` (installs published packages into the project's environment; no URLs, git specs,
 * other indexes or user-wide installs), `pytest` (its output and temp folders stay in the project), and the
 * modules `python3 -m` may run: the toolchain's own (venv, pip, pytest, http.server, …) or the project's.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { UNKNOWN_CWD, type Word } from '../model.js';
import { type CommandCall, denial, type RuleContext, type RuleResult, shown } from './context.js';
import { checkPath } from './paths.js';

const PIP_ALLOWED = new Set([
  'install',
  'uninstall',
  'list',
  'freeze',
  'show',
  'check',
  'download',
  'wheel',
  'help',
  'inspect',
  'hash',
  'debug',
]);
/** Options that take a value (so the value is not the sub-command). */
const PIP_VALUE_OPTIONS = new Set([
  '--python',
  '--log',
  '--proxy',
  '--cert',
  '--client-cert',
  '--timeout',
  '--cache-dir',
  '--exists-action',
  '--retries',
]);
/** Options that fetch from somewhere else than the configured index, or install outside the environment. */
const PIP_REFUSED: Record<string, string> = {
  '--user':
    'installs into the user-wide site-packages, outside the project: use a venv in the project (`python3 -m venv .venv`)',
  '--root': 'installs under another root folder, outside the project',
  '--prefix': 'installs under another prefix, outside the project',
  '-i': 'installs from another package index',
  '--index-url': 'installs from another package index',
  '--extra-index-url': 'installs from another package index',
  '-f': 'installs from other links',
  '--find-links': 'installs from other links',
  '--trusted-host': 'trusts a host without TLS checks',
  '--proxy': 'sends the downloads through a proxy',
  '--break-system-packages': "changes the system's own Python packages: use a venv in the project",
  '--src': 'checks out editable sources outside the project',
};

/** `pip SUBCOMMAND …` (also `python3 -m pip …`). */
export function pipArgs(
  context: RuleContext,
  call: CommandCall,
  args: readonly Word[],
  label: string,
): RuleResult {
  let subcommand: string | undefined;
  for (let index = 0; index < args.length; index++) {
    const word = args[index] as Word;
    const text = word.value;
    const name = text.startsWith('--') && text.includes('=') ? text.slice(0, text.indexOf('=')) : text;
    const refused = PIP_REFUSED[name];
    if (refused !== undefined) return denial('pip-option', `\`${label} ${name}\` ${refused}.`);
    if (name === '-t' || name === '--target') {
      const value = text.includes('=')
        ? { ...word, value: text.slice(text.indexOf('=') + 1) }
        : args[index + 1];
      if (value !== undefined) {
        const found = checkPath(context, call, value, 'write', `${label} ${name}`, 'pip');
        if (found !== undefined) return found;
      }
      continue;
    }
    if (name === '-e' || name === '--editable') {
      const value = text.includes('=')
        ? { ...word, value: text.slice(text.indexOf('=') + 1) }
        : args[index + 1];
      if (value !== undefined) {
        const found = checkPath(context, call, value, 'inside', `${label} ${name}`, 'pip');
        if (found !== undefined) return found;
      }
      index += text.includes('=') ? 0 : 1;
      continue;
    }
    if (text.startsWith('-')) {
      if (
        PIP_VALUE_OPTIONS.has(text) ||
        text === '-r' ||
        text === '-c' ||
        text === '--requirement' ||
        text === '--constraint'
      )
        index += 1;
      continue;
    }
    if (subcommand === undefined) {
      if (word.dynamic) return denial('pip-dynamic', `${label} ${shown(word)}: name the sub-command.`);
      subcommand = text;
      if (!PIP_ALLOWED.has(subcommand)) {
        return denial(
          'pip-subcommand',
          `\`${label} ${subcommand}\` is not allowed: pip may install, uninstall, list, freeze, show and check packages of the project's environment.`,
        );
      }
      continue;
    }
    if (/:\/\/|^(git\+|hg\+|svn\+|bzr\+)|\s@\s|^[^=<>!~]+@\s*\S+:/.test(text) || word.dynamic) {
      return denial(
        'pip-remote-package',
        `\`${label} ${subcommand} ${word.source}\` installs code from a URL or repository, whose build would run unchecked: install a published package by name.`,
      );
    }
  }
  return undefined;
}

export function pipRule(call: CommandCall, context: RuleContext): RuleResult {
  return pipArgs(context, call, call.args, call.name);
}

const PYTEST_WRITES = new Set([
  '--junitxml',
  '--junit-xml',
  '--html',
  '--resultlog',
  '--result-log',
  '--report-log',
  '--cov-report',
]);

/** `pytest …` (also `python3 -m pytest …`): its temp folder (deleted and rewritten) and reports stay in the project. */
export function pytestArgs(
  context: RuleContext,
  call: CommandCall,
  args: readonly Word[],
  label: string,
): RuleResult {
  for (let index = 0; index < args.length; index++) {
    const word = args[index] as Word;
    const text = word.value;
    const equals = text.indexOf('=');
    const name = text.startsWith('--') && equals !== -1 ? text.slice(0, equals) : text;
    if (name !== '--basetemp' && !PYTEST_WRITES.has(name)) continue;
    const value = equals !== -1 ? { ...word, value: text.slice(equals + 1) } : args[++index];
    if (value === undefined) continue;
    // `--cov-report=html:DIR` writes DIR; `--cov-report=term` writes nothing.
    const path = name === '--cov-report' ? value.value.split(':')[1] : value.value;
    if (path === undefined || path === '') continue;
    const found = checkPath(
      context,
      call,
      { ...value, value: path },
      name === '--basetemp' ? 'delete' : 'write',
      `${label} ${name}`,
      'pytest',
    );
    if (found !== undefined) return found;
  }
  return undefined;
}

export function pytestRule(call: CommandCall, context: RuleContext): RuleResult {
  return pytestArgs(context, call, call.args, call.name);
}

/** Modules of Python and its common web toolchain that `python3 -m` may run. */
const MODULES = new Set(
  `venv pip pytest unittest http.server flask uvicorn gunicorn django mypy black ruff isort coverage pylint
  flake8 pyflakes pycodestyle json.tool build compileall py_compile doctest alembic pip_audit pytest_cov
  playwright hypercorn waitress ensurepip site sysconfig platform tabnanny`.split(/\s+/),
);

/** `python3 -m MODULE ARGS`: a toolchain module from the list, or a module of the project. */
export function pythonModule(
  context: RuleContext,
  call: CommandCall,
  module: Word,
  rest: readonly Word[],
): RuleResult {
  if (module.dynamic || module.glob) {
    return denial('python-module', `${call.name} -m ${shown(module)}: name the module.`);
  }
  const name = module.value;
  if (name === 'pip') return pipArgs(context, call, rest, `${call.name} -m pip`);
  if (name === 'pytest') return pytestArgs(context, call, rest, `${call.name} -m pytest`);
  if (name === 'venv') {
    const folder = rest.find((word) => !word.value.startsWith('-'));
    return folder === undefined
      ? undefined
      : checkPath(context, call, folder, 'write', `${call.name} -m venv`, 'python');
  }
  if (name === 'json.tool') {
    const output = rest.filter((word) => !word.value.startsWith('-'))[1];
    return output === undefined
      ? undefined
      : checkPath(context, call, output, 'write', `${call.name} -m json.tool`, 'python');
  }
  if (MODULES.has(name)) return undefined;
  const top = name.split('.')[0] ?? name;
  for (const cwd of call.cwds) {
    const base = cwd === UNKNOWN_CWD ? context.projectDir : cwd;
    if (
      /^[A-Za-z_][A-Za-z0-9_]*$/.test(top) &&
      (existsSync(join(base, top)) || existsSync(join(base, `${top}.py`)))
    ) {
      return undefined;
    }
  }
  return denial(
    'python-module',
    `\`${call.name} -m ${name}\` runs a module the policy does not know (some run code given on the command line or wait for input): run a script of the project, or a module of the project or of the toolchain (pytest, pip, venv, http.server, flask, …).`,
  );
}
