/**
 * The real command actions. Each loads its module with `import()` when called, so `--help` and `--version`
 * never load zod, the config loader, the Agent SDK or the fake server.
 */
import { resolve } from 'node:path';
import { UsageError } from '../errors/index.js';
import type { CommandIO } from './io.js';
import type { CliActions } from './program.js';

export function createActions(io: CommandIO): CliActions {
  return {
    async run(flags) {
      const { resolveRunConfig } = await import('../config/resolve.js');
      const config = await resolveRunConfig({ flags, cwd: io.cwd, env: io.env });
      const { runCommand } = await import('../session/run.js');
      return runCommand(config, io);
    },

    async demo({ projectDir }) {
      if (projectDir !== undefined && projectDir.trim() === '') {
        throw new UsageError('--project-dir is empty: pass a folder for the demo, or leave the flag out');
      }
      const { runDemo } = await import('../demo/demo.js');
      return runDemo(projectDir === undefined ? {} : { projectDir: resolve(io.cwd, projectDir) }, io);
    },

    async fakeModel({ scenario, port }) {
      if (scenario.trim() === '')
        throw new UsageError('--scenario is empty: pass the path of a scenario file');
      const { runFakeModelCommand } = await import('../testing/fake-anthropic/command.js');
      return runFakeModelCommand({
        scenarioPath: resolve(io.cwd, scenario),
        ...(port === undefined ? {} : { port }),
        out: io.out,
        err: io.err,
        signal: io.signal,
      });
    },
  };
}
