/** One `hwnas` sub-command. `run` returns the exit code; it throws UsageError for bad input. */
export interface Command {
  readonly name: string;
  /** Its `--help` text (usage, flags generated from their definitions); `argv` picks a sub-command's. */
  help(argv: readonly string[]): string;
  run(argv: readonly string[]): Promise<number>;
}
