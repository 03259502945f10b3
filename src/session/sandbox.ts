import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { SandboxSettings } from '@anthropic-ai/claude-agent-sdk';
import type { Confinement } from '../guards/confinement.js';

/**
 * The SDK's OS sandbox confines the agent's Bash with bubblewrap and socat on Linux. When both are on
 * PATH we turn it on; otherwise the caller says what to install.
 */
export interface SandboxChoice {
  settings: SandboxSettings | undefined;
  /** Human-readable state for the log, e.g. "on (bubblewrap)". */
  description: string;
  /** Missing system packages, when the sandbox is off for that reason. */
  missing: string[];
}

export function chooseSandbox(env: NodeJS.ProcessEnv, platform = process.platform): SandboxChoice {
  if (platform !== 'linux') {
    return { settings: undefined, description: `off (not verified on ${platform})`, missing: [] };
  }
  const missing = ['bwrap', 'socat'].filter((binary) => findOnPath(binary, env.PATH ?? '') === undefined);
  if (missing.length > 0) {
    const packages = missing.map((binary) => (binary === 'bwrap' ? 'bubblewrap' : binary));
    return {
      settings: undefined,
      description: `off (install ${packages.join(' and ')}: apt-get install ${packages.join(' ')})`,
      missing: packages,
    };
  }
  return {
    // allowUnsandboxedCommands: false — the agent cannot ask to run a command outside the sandbox.
    settings: { enabled: true, autoAllowBashIfSandboxed: true, allowUnsandboxedCommands: false },
    description: 'on (bubblewrap)',
    missing: [],
  };
}

/** The executable `binary` in one of the folders of `path` (a PATH value), or undefined. */
export function findOnPath(binary: string, path: string): string | undefined {
  for (const dir of path.split(delimiter).filter(Boolean)) {
    const candidate = join(dir, binary);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not in this folder.
    }
  }
  return undefined;
}

/**
 * The SDK sandbox settings of `base` (from `chooseSandbox`) confined to one project: reads limited to the
 * confinement's readable folders (everything else, the home included, is denied), writes to the project, the
 * session's $TMPDIR and the package cache but never the harness's records, and the confinement's credential
 * variables denied to every sandboxed command.
 */
export function confinedSandboxSettings(base: SandboxSettings, confinement: Confinement): SandboxSettings {
  return {
    ...base,
    filesystem: {
      denyRead: ['/', ...confinement.hidden],
      allowRead: confinement.readable,
      // The project is the working folder and Claude Code adds the session's own $TMPDIR; only the cache is
      // added here. Not /tmp as a whole: Claude Code protects `.claude/` files under every writable folder, and
      // concurrent sessions racing over /tmp/.claude/ made bwrap fail ("Can't find source path").
      allowWrite: [confinement.cacheDir],
      denyWrite: confinement.readOnly,
    },
    credentials: {
      envVars: confinement.credentials.map((name) => ({ name, mode: 'deny' as const })),
    },
  };
}
