/** A CommandIO whose output is collected as text. */
import { PassThrough } from 'node:stream';
import type { CommandIO } from '../../src/cli/io.js';

export function fakeIO(
  cwd: string,
  env: NodeJS.ProcessEnv = {},
): CommandIO & { output(): string; errors(): string } {
  const collect = () => {
    const stream = new PassThrough();
    let text = '';
    stream.setEncoding('utf8').on('data', (chunk: string) => {
      text += chunk;
    });
    return { stream, text: () => text };
  };
  const out = collect();
  const err = collect();
  return {
    out: out.stream,
    err: err.stream,
    env,
    signal: new AbortController().signal,
    cwd,
    output: out.text,
    errors: err.text,
  };
}
