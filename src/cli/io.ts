/** What a command needs from the process: streams, environment, working directory and a stop signal. */
export interface CommandIO {
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  /** Aborted on the first Ctrl+C (SIGINT) or SIGTERM. */
  signal: AbortSignal;
  cwd: string;
  /**
   * Routes the "Stopping…" notice of the first Ctrl+C through `write` (the live view, so that it lands above
   * its status block); `undefined` gives it back to stderr. Absent where no one prints that notice.
   */
  routeStopNotice?: (write: ((text: string) => void) | undefined) => void;
  /** Standard input, for a command that reads it (`policy check --stdin`); `process.stdin` when left out. */
  stdin?: NodeJS.ReadableStream;
}
