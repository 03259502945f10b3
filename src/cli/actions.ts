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

    async doctor({ projectDir, json }) {
      let dir: string | undefined;
      if (projectDir !== undefined) {
        if (projectDir.trim() === '') {
          throw new UsageError(
            '--project-dir is empty: pass the project folder to probe the sandbox in, or leave the flag out',
          );
        }
        dir = resolve(io.cwd, projectDir);
        await requireFolder(dir);
      }
      const { runDoctorCommand } = await import('../session/doctor.js');
      return runDoctorCommand(
        { ...(dir === undefined ? {} : { projectDir: dir }), ...(json === true ? { json: true } : {}) },
        io,
      );
    },

    async skipped({ projectDir, reset, json }) {
      if (projectDir.trim() === '')
        throw new UsageError('--project-dir is empty: pass the project folder of the run');
      const { runSkippedCommand } = await import('../state/skipped-command.js');
      return runSkippedCommand(
        {
          projectDir: resolve(io.cwd, projectDir),
          ...(reset === undefined ? {} : { reset }),
          ...(json === undefined ? {} : { json }),
        },
        io,
      );
    },

    async status({ projectDir, json }) {
      if (projectDir.trim() === '')
        throw new UsageError('--project-dir is empty: pass the project folder of the run');
      const { runStatusCommand } = await import('../report/status.js');
      return runStatusCommand(
        { projectDir: resolve(io.cwd, projectDir), ...(json === undefined ? {} : { json }) },
        io,
      );
    },

    async report({ projectDir, out }) {
      if (projectDir.trim() === '')
        throw new UsageError('--project-dir is empty: pass the project folder of the run');
      if (out !== undefined && out.trim() === '') {
        throw new UsageError(
          '--out is empty: pass the file to write the report to, or leave the flag out for .claude-harness/report.html',
        );
      }
      const { runReportCommand } = await import('../report/html-report.js');
      return runReportCommand(
        {
          projectDir: resolve(io.cwd, projectDir),
          ...(out === undefined ? {} : { out: resolve(io.cwd, out) }),
        },
        io,
      );
    },

    async policyCheck({ projectDir = '.', json, stdin, commands }) {
      // The command checks the folder itself (a missing folder is exit 2); a missing file is no policy.
      const policyConfig = await projectPolicy(projectDir, io.cwd);
      const { runPolicyCheckCommand } = await import('../guards/shell/command.js');
      return runPolicyCheckCommand(
        {
          projectDir,
          json: json === true,
          stdin: stdin === true,
          commands,
          ...(policyConfig === undefined ? {} : { policyConfig }),
          // Only touched when --stdin is given: reading process.stdin otherwise could hold the process open.
          ...(stdin === true ? { input: io.stdin ?? process.stdin } : {}),
        },
        io,
      );
    },

    async policyShow({ projectDir = '.' }) {
      if (projectDir.trim() === '') throw new UsageError('--project-dir is empty: pass the project folder');
      await requireFolder(resolve(io.cwd, projectDir));
      const policyConfig = await projectPolicy(projectDir, io.cwd);
      const { runPolicyShowCommand } = await import('../guards/shell/command.js');
      return runPolicyShowCommand(policyConfig === undefined ? {} : { policyConfig }, io);
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

/**
 * The `policy` section of the project's claude-harness.json, read and checked by the same loader as a run:
 * a damaged file is a `ConfigError` (exit 2). `undefined` without a file or a section.
 */
async function projectPolicy(projectDir: string, cwd: string): Promise<unknown> {
  if (projectDir.trim() === '') return undefined;
  const { loadProjectConfig } = await import('../config/load.js');
  const loaded = await loadProjectConfig(resolve(cwd, projectDir));
  return loaded?.config.policy;
}

/** Throws a `UsageError` unless `dir` is an existing folder. */
async function requireFolder(dir: string): Promise<void> {
  const { stat } = await import('node:fs/promises');
  const isFolder = await stat(dir).then(
    (stats) => stats.isDirectory(),
    () => false,
  );
  if (!isFolder)
    throw new UsageError(`--project-dir ${dir} is not a folder: pass an existing project folder`);
}
