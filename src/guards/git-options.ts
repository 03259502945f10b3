/**
 * git's global options (before the subcommand) that take the next word as their value, for the two places
 * that read a git command line: the shell policy's git rule and the secrets guard's `git commit` spotter.
 */
export const GIT_GLOBAL_OPTIONS_WITH_VALUE: ReadonlySet<string> = new Set([
  '-C',
  '-c',
  '--git-dir',
  '--work-tree',
  '--namespace',
  '--super-prefix',
  '--config-env',
  '--list-cmds',
  '--attr-source',
]);
