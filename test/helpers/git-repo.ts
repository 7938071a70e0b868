/** Builds real git repositories for tests, with fixed commit dates so histories are reproducible. */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

export class TestRepo {
  readonly root: string;

  constructor(root?: string) {
    this.root = root ?? mkdtempSync(join(tmpdir(), "repolora-repo-"));
    this.git("init", "-q", "-b", "main");
  }

  git(...args: string[]): string {
    return execFileSync("git", args, {
      cwd: this.root,
      encoding: "utf8",
      env: { ...process.env, GIT_CONFIG_NOSYSTEM: "1", HOME: this.root, GIT_CONFIG_GLOBAL: "/dev/null" },
    });
  }

  write(path: string, content: string | Uint8Array): this {
    const full = join(this.root, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, content);
    return this;
  }

  /** Stages everything and commits with author and committer date `date` (ISO). Returns the commit hash. */
  commit(message: string, date: string): string {
    this.git("add", "-A");
    execFileSync(
      "git",
      ["-c", "user.name=Test", "-c", "user.email=test@example.com", "commit", "-q", "-m", message],
      {
        cwd: this.root,
        env: {
          ...process.env,
          GIT_AUTHOR_DATE: date,
          GIT_COMMITTER_DATE: date,
          GIT_CONFIG_NOSYSTEM: "1",
          HOME: this.root,
          GIT_CONFIG_GLOBAL: "/dev/null",
        },
      },
    );
    return this.git("rev-parse", "HEAD").trim();
  }

  remove(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

export function tempDir(prefix = "repolora-test-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}
