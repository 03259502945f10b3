/** What a command needs from the process: streams, environment, working directory and a stop signal. */
export interface CommandIO {
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  /** Aborted on the first Ctrl+C (SIGINT) or SIGTERM. */
  signal: AbortSignal;
  cwd: string;
}
