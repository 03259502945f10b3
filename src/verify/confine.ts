import { findOnPath } from '../session/sandbox.js';

/**
 * The test command the harness runs for `feature_pass` is code the agent wrote, so it runs confined like the
 * agent's own shell: bubblewrap with the whole file system read-only except the project and /tmp,
 * its own PID namespace (it cannot signal the harness), and killed with the harness. The network stays
 * shared so a test can reach the dev server it starts on localhost.
 */
export function bubblewrapPath(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return findOnPath('bwrap', env.PATH ?? '');
}

/** A `wrapArgv` for runTestCommand that confines the run to `projectDir`. */
export function confineToProject(projectDir: string, bwrap: string): (argv: readonly string[]) => string[] {
  return (argv) => [
    bwrap,
    '--ro-bind',
    '/',
    '/',
    '--dev',
    '/dev',
    '--proc',
    '/proc',
    // /tmp stays shared and writable, as in the agent's own sandbox: browsers and test runners keep their
    // scratch files there, and a project or its node_modules may live there too.
    '--bind',
    '/tmp',
    '/tmp',
    '--bind',
    projectDir,
    projectDir,
    '--unshare-pid',
    '--die-with-parent',
    '--chdir',
    projectDir,
    '--',
    ...argv,
  ];
}
