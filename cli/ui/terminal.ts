/** Whether to draw the interactive UI: a terminal on both ends, not CI, not a dumb terminal. Cheap to import. */
export function interactiveTerminal(env: NodeJS.ProcessEnv = process.env, streams: { stdout: { isTTY?: boolean }; stdin: { isTTY?: boolean } } = process): boolean {
  const ci = env.CI !== undefined && env.CI !== '' && env.CI !== '0' && env.CI.toLowerCase() !== 'false';
  return Boolean(streams.stdout.isTTY && streams.stdin.isTTY) && !ci && env.TERM !== 'dumb';
}
