/**
 * Reads many blobs through one `git cat-file --batch` process: far cheaper than a `git show` per file.
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { RepoLoraError } from "../util/errors.ts";
import { gitEnvironment } from "./spawn.ts";

/** A blob `cat-file` answered "missing" for: the caller skips the file (snapshot.ts), the build goes on. */
export class MissingObjectError extends RepoLoraError {
  constructor(readonly object: string) {
    super("GIT_FAILED", `git object ${object} is missing`);
  }
}

export class BlobReader {
  private readonly child: ChildProcessWithoutNullStreams;
  private buffer: Buffer = Buffer.alloc(0);
  private readonly queue: Array<{ resolve: (bytes: Buffer) => void; reject: (error: Error) => void }> = [];
  private failure: Error | null = null;

  constructor(root: string) {
    this.child = spawn("git", ["cat-file", "--batch"], {
      cwd: root,
      env: gitEnvironment(),
      stdio: ["pipe", "pipe", "pipe"],
    });
    // Unread, git's messages (one per missing object in a partial clone) would fill the pipe and stall it.
    this.child.stderr.resume();
    this.child.stdout.on("data", (chunk: Buffer) => {
      this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
      this.drain();
    });
    const fail = (error: Error) => {
      this.failure = error;
      for (const waiter of this.queue.splice(0)) waiter.reject(error);
    };
    this.child.on("error", (error) =>
      fail(new RepoLoraError("GIT_FAILED", `git cat-file: ${error.message}`)),
    );
    this.child.on("close", () => fail(new RepoLoraError("GIT_FAILED", "git cat-file exited")));
  }

  /** Contents of a blob by id, in request order. */
  read(blob: string): Promise<Buffer> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.queue.push({ resolve, reject });
      this.child.stdin.write(`${blob}\n`);
    });
  }

  private drain(): void {
    while (this.queue.length > 0) {
      const headerEnd = this.buffer.indexOf(10);
      if (headerEnd < 0) return;
      const header = this.buffer.subarray(0, headerEnd).toString("utf8");
      const waiter = this.queue[0]!;
      if (header.endsWith(" missing")) {
        this.buffer = this.buffer.subarray(headerEnd + 1);
        this.queue.shift();
        waiter.reject(new MissingObjectError(header.slice(0, header.indexOf(" "))));
        continue;
      }
      const size = Number(header.split(" ")[2]);
      // header \n content \n
      if (this.buffer.length < headerEnd + 1 + size + 1) return;
      const content = Buffer.from(this.buffer.subarray(headerEnd + 1, headerEnd + 1 + size));
      this.buffer = this.buffer.subarray(headerEnd + 1 + size + 1);
      this.queue.shift();
      waiter.resolve(content);
    }
  }

  close(): void {
    this.child.removeAllListeners("close");
    this.child.stdin.end();
    this.child.kill();
  }
}
