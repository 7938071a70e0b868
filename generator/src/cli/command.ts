/** One CLI subcommand: its name, one-line summary, full help text and handler. */
export interface Command {
  name: string;
  summary: string;
  help: string;
  /** Returns the process exit code. Throws RepoLoraError for user-facing failures. */
  run(args: string[]): Promise<number>;
}
