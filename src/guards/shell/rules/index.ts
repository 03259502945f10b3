/** Every rule by the name the policy uses for it. */
import type { RuleName } from '../policy.js';
import type { Rule } from './context.js';
import { dockerRule } from './docker.js';
import { chmodRule, cpRule, lnRule, mvRule, rmRule, teeRule, writeRule } from './files.js';
import { gitRule } from './git.js';
import { nodeRule, pythonRule, shellRule } from './interpreters.js';
import {
  allowRule,
  awkRule,
  cdRule,
  dateRule,
  hashRule,
  letRule,
  printfRule,
  psRule,
  rgRule,
  shoptRule,
  sortRule,
  treeRule,
  uniqRule,
} from './misc.js';
import { curlRule, rsyncRule, wgetRule } from './network.js';
import { concurrentlyRule, managerRule, nodemonRule, npxRule, toolRule } from './packages.js';
import { pipRule, pytestRule } from './pip.js';
import { killallRule, killRule, pkillRule } from './processes.js';
import { sedRule } from './sed.js';
import { tarRule } from './tar.js';
import {
  commandRule,
  envRule,
  findRule,
  niceRule,
  nohupRule,
  setsidRule,
  stdbufRule,
  timeoutRule,
  timeRule,
  trapRule,
  xargsRule,
} from './wrappers.js';

export const RULES: Readonly<Record<RuleName, Rule>> = {
  read: allowRule,
  plain: allowRule,
  builtin: allowRule,
  cd: cdRule,
  printf: printfRule,
  let: letRule,
  shopt: shoptRule,
  hash: hashRule,
  trap: trapRule,
  sort: sortRule,
  uniq: uniqRule,
  tree: treeRule,
  date: dateRule,
  awk: awkRule,
  rm: rmRule,
  write: writeRule,
  cp: cpRule,
  mv: mvRule,
  ln: lnRule,
  chmod: chmodRule,
  tee: teeRule,
  sed: sedRule,
  tar: tarRule,
  find: findRule,
  xargs: xargsRule,
  env: envRule,
  nohup: nohupRule,
  timeout: timeoutRule,
  time: timeRule,
  nice: niceRule,
  stdbuf: stdbufRule,
  setsid: setsidRule,
  command: commandRule,
  git: gitRule,
  npm: managerRule,
  pnpm: managerRule,
  yarn: managerRule,
  bun: managerRule,
  npx: npxRule,
  tool: toolRule,
  concurrently: concurrentlyRule,
  nodemon: nodemonRule,
  node: nodeRule,
  python: pythonRule,
  pip: pipRule,
  pytest: pytestRule,
  rg: rgRule,
  ps: psRule,
  shell: shellRule,
  kill: killRule,
  pkill: pkillRule,
  killall: killallRule,
  curl: curlRule,
  wget: wgetRule,
  rsync: rsyncRule,
  docker: dockerRule,
};

/** Rules of commands that only read (or only affect the shell): their arguments are not scanned for protected paths. */
export const READ_ONLY_RULES: ReadonlySet<RuleName> = new Set([
  'read',
  'rg',
  'ps',
  'builtin',
  'cd',
  'printf',
  'let',
  'shopt',
  'hash',
  'date',
  'git',
  'kill',
  'pkill',
  'killall',
  'curl',
  'wget',
]);
