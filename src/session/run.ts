import type { CommandIO } from '../cli/io.js';
import { checkAuth } from '../config/auth.js';
import type { RunConfig } from '../config/types.js';
import { type LoopOptions, runLoop } from './loop.js';

/** `claude-harness run`: checks the credentials (validation mode runs no agent, so needs none), then runs the loop. */
export async function runCommand(config: RunConfig, io: CommandIO): Promise<number> {
  if (config.mode !== 'validation') checkAuth(io.env);
  return runLoop(config, io);
}

export type { LoopOptions };
