import { type ChildProcess, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isAlive } from '../../src/engine/process-tree.js';
import {
  cleanupSessionProcesses,
  listeningPorts,
  snapshotProcesses,
} from '../../src/session/process-cleanup.js';
import { tempDir } from '../helpers/engine-env.js';

const SERVER = [
  "import { createServer } from 'node:http';",
  "const server = createServer((_req, res) => res.end('ok'));",
  "server.listen(0, '127.0.0.1', () => console.log('port ' + server.address().port));",
].join('\n');

const started: ChildProcess[] = [];

afterEach(() => {
  for (const child of started.splice(0)) child.kill('SIGKILL');
});

/** Starts the http server script with `cwd`; resolves with the child and its port once it listens. */
async function startServer(script: string, cwd: string): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [script], { cwd, stdio: ['ignore', 'pipe', 'inherit'] });
  started.push(child);
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const match = /port (\d+)/.exec(out);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', () => reject(new Error('the server exited')));
  });
  return { child, port };
}

describe('cleanupSessionProcesses', () => {
  it('stops a server started in the project during the session and frees its port; leaves others alone', async () => {
    await using project = await tempDir('ch-cleanup-project-');
    await using outside = await tempDir('ch-cleanup-outside-');
    for (const dir of [project.path, outside.path]) await writeFile(join(dir, 'server.mjs'), SERVER);

    // Running before the session, in the project: not the session's (e.g. the user's own dev server).
    const before = await startServer(join(project.path, 'server.mjs'), project.path);
    const snapshot = snapshotProcesses();
    const inside = await startServer(join(project.path, 'server.mjs'), project.path);
    const elsewhere = await startServer(join(outside.path, 'server.mjs'), outside.path);
    const pid = inside.child.pid as number;
    expect(listeningPorts().get(pid)).toContain(inside.port);

    const lines: string[] = [];
    const stopped = await cleanupSessionProcesses(snapshot, {
      projectDir: project.path,
      log: (line) => lines.push(line),
    });

    expect(stopped.map((s) => s.pid)).toEqual([pid]);
    expect(stopped[0]).toMatchObject({ why: 'cwd in project', ports: [inside.port] });
    expect(lines.join('\n')).toContain(`listening on port ${inside.port}`);
    expect(isAlive(pid)).toBe(false);
    expect([...listeningPorts().values()].flat()).not.toContain(inside.port);
    expect(isAlive(elsewhere.child.pid as number)).toBe(true);
    expect(isAlive(before.child.pid as number)).toBe(true);
  });

  it('stops nothing when the session left nothing behind', async () => {
    await using project = await tempDir('ch-cleanup-empty-');
    const snapshot = snapshotProcesses();
    expect(await cleanupSessionProcesses(snapshot, { projectDir: project.path })).toEqual([]);
  });
});
