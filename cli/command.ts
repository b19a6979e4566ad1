/** One `hwnas` sub-command. `run` returns the exit code; it throws UsageError for bad input. */
export interface Command {
  readonly name: string;
  readonly summary: string;
  /** Printed for `--help` by commands that do not handle it themselves. */
  readonly usage?: string;
  run(argv: readonly string[]): Promise<number>;
}
