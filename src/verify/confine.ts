import { statSync } from 'node:fs';
import type { Confinement } from '../guards/confinement.js';
import { isInside } from '../guards/paths.js';
import { findOnPath } from '../session/sandbox.js';

/**
 * The test command the harness runs for `feature_pass` (and the regression and validation runs) is code the
 * agent wrote, so it runs confined like the agent's own shell (src/guards/confinement.ts): bubblewrap with
 * only the readable folders mounted (read-only), the project, the temp folder and the package cache
 * writable, the harness's records and config read-only on top, the account files of /etc hidden, an empty
 * home, its own PID namespace (it can neither signal the harness nor read its environment), and killed with
 * the harness. The network stays shared so a test can reach the dev server it starts on localhost.
 */
export function bubblewrapPath(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return findOnPath('bwrap', env.PATH ?? '');
}

/** A `wrapArgv` for runTestCommand that confines the run as `confinement` says. */
export function confineToProject(
  confinement: Confinement,
  bwrap: string,
): (argv: readonly string[]) => string[] {
  const { home } = confinement;
  const args: string[] = [];
  for (const dir of confinement.readable) {
    if (dir === '/dev' || dir === '/proc') continue;
    if (confinement.writable.some((writable) => isInside(dir, writable))) continue;
    args.push('--ro-bind-try', dir, dir);
  }
  args.push('--dev', '/dev', '--proc', '/proc');
  // An empty, writable home: tools keep their dot-files there for the run; the user's own stay unseen.
  if (!confinement.readable.some((dir) => isInside(home, dir))) args.push('--tmpfs', home);
  for (const dir of confinement.writable) args.push('--bind-try', dir, dir);
  // Only what exists: bwrap would make a missing mount point on the host, in the project.
  for (const path of confinement.readOnly) if (kindOf(path) !== undefined) args.push('--ro-bind', path, path);
  for (const path of confinement.hidden) {
    const kind = kindOf(path);
    if (kind === 'dir') args.push('--tmpfs', path);
    else if (kind === 'file') args.push('--ro-bind', '/dev/null', path);
  }
  return (argv) => [
    bwrap,
    ...args,
    '--unshare-pid',
    '--die-with-parent',
    '--chdir',
    confinement.projectDir,
    '--',
    ...argv,
  ];
}

function kindOf(path: string): 'dir' | 'file' | undefined {
  try {
    return statSync(path).isDirectory() ? 'dir' : 'file';
  } catch {
    return undefined;
  }
}
