import type { CommandIO } from '../cli/io.js';
import { checkAuth } from '../config/auth.js';
import type { RunConfig } from '../config/types.js';
import { type LoopOptions, runLoop } from './loop.js';

/** `claude-harness run`: checks the credentials, then runs the session loop. */
export async function runCommand(config: RunConfig, io: CommandIO): Promise<number> {
  checkAuth(io.env);
  return runLoop(config, io);
}

export type { LoopOptions };
