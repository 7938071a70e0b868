/**
 * The adapter registry and `repolora adapters`: listing healthy and broken bundles, show / rm / gc / activate,
 * the lock that keeps concurrent writers from corrupting active.json, and staleness against a real git repo.
 * No Python, no models: bundles are written by hand in the trainer's layout.
 */
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { EXPORT_FORMATS, exportAdapter } from "../generator/src/adapters/export/export.ts";
import { activateAndDescribe, describeActivation } from "../generator/src/adapters/registry/activation.ts";
import { withLock } from "../generator/src/adapters/registry/lock.ts";
import {
  ACTIVE_FILE,
  type AdapterEntry,
  AdapterRegistry,
  LOCK_FILE,
} from "../generator/src/adapters/registry/registry.ts";
import { computeStaleness, parseShortstat } from "../generator/src/adapters/registry/staleness.ts";
import { main } from "../generator/src/cli/main.ts";
import { encodeSafetensors } from "../runtime/src/safetensors/write.ts";
import { TestRepo, tempDir } from "./helpers/git-repo.ts";

const BIN = join(import.meta.dirname, "..", "bin", "repolora.mjs");
const sha = (data: string | Uint8Array) => createHash("sha256").update(data).digest("hex");

interface BundleSpec {
  head?: string;
  root?: string;
  trainedAt: string;
  adapterBetter?: boolean;
  weights?: string | Uint8Array;
}

/** A bundle as the trainer writes it: PEFT files, report.json, repolora.json with sha256 of every other file. */
function writeBundle(registryRoot: string, key: string, name: string, spec: BundleSpec): string {
  const dir = join(registryRoot, key, name);
  mkdirSync(dir, { recursive: true });
  const files: Record<string, string | Uint8Array> = {
    "adapter_config.json": JSON.stringify({ peft_type: "LORA", r: 4, lora_alpha: 8 }),
    "adapter_model.safetensors": spec.weights ?? `weights of ${name}`,
    "report.json": JSON.stringify({
      examples: 12,
      systems: {
        adapter: { editSimilarity: 0.61, exactMatch: 0.2 },
        base: { editSimilarity: 0.55, exactMatch: 0.1 },
      },
      verdict: { adapterBetter: spec.adapterBetter ?? true, significant: true },
    }),
  };
  for (const [file, content] of Object.entries(files)) writeFileSync(join(dir, file), content);
  const manifest = {
    schema: 1,
    baseModel: { id: "repolora-tiny/qwen2", revision: null, sha256: "0".repeat(64) },
    repo: {
      root: spec.root ?? "/nowhere",
      remote: null,
      head: spec.head ?? "a".repeat(40),
      trainedAt: spec.trainedAt,
    },
    lora: { r: 4, alpha: 8, useRslora: false, targets: ["q_proj", "v_proj"], layers: "all" },
    files: Object.fromEntries(Object.entries(files).map(([f, c]) => [f, sha(c)])),
  };
  writeFileSync(join(dir, "repolora.json"), JSON.stringify(manifest, null, 2));
  return dir;
}

/** Runs the CLI in-process and returns stdout (vitest captures nothing else). */
async function cli(...args: string[]): Promise<{ code: number; out: string }> {
  let out = "";
  const write = process.stdout.write.bind(process.stdout);
  const errWrite = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((chunk: string) => {
    out += chunk;
    return true;
  }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string) => {
    out += chunk;
    return true;
  }) as typeof process.stderr.write;
  // `adapters gc` also trims the caches under $REPOLORA_HOME: point it at a scratch folder, never the user's.
  const home = process.env.REPOLORA_HOME;
  process.env.REPOLORA_HOME = tempDir("repolora-home-");
  try {
    return { code: await main(args), out };
  } finally {
    process.stdout.write = write;
    process.stderr.write = errWrite;
    if (home === undefined) delete process.env.REPOLORA_HOME;
    else process.env.REPOLORA_HOME = home;
  }
}

function threeAdapters(): { root: string; key: string } {
  const root = tempDir("repolora-registry-");
  const key = "myrepo-12345678";
  writeBundle(root, key, "20261101T100000Z-aaaaaaaa", { trainedAt: "2026-11-01T10:00:00+00:00" });
  writeBundle(root, key, "20261102T100000Z-bbbbbbbb", { trainedAt: "2026-11-02T10:00:00+00:00" });
  writeBundle(root, key, "20261103T100000Z-cccccccc", { trainedAt: "2026-11-03T10:00:00+00:00" });
  return { root, key };
}

describe("adapter registry", () => {
  it("lists adapters newest first, with report card and health", async () => {
    const { root, key } = threeAdapters();
    const { adapters, warnings } = await new AdapterRegistry(root).list();
    expect(warnings).toEqual([]);
    expect(adapters.map((a) => a.name)).toEqual([
      "20261103T100000Z-cccccccc",
      "20261102T100000Z-bbbbbbbb",
      "20261101T100000Z-aaaaaaaa",
    ]);
    const first = adapters[0];
    expect(first?.id).toBe(`${key}/20261103T100000Z-cccccccc`);
    expect(first?.status).toBe("ok");
    expect(first?.rank).toBe(4);
    expect(first?.baseModel).toBe("repolora-tiny/qwen2");
    expect(first?.report).toMatchObject({
      adapterEditSimilarity: 0.61,
      baseEditSimilarity: 0.55,
      adapterBetter: true,
    });
  });

  it("marks half-deleted and hand-edited bundles broken, says why, and never throws", async () => {
    const { root, key } = threeAdapters();
    const dir = (n: string) => join(root, key, n);
    rmSync(join(dir("20261101T100000Z-aaaaaaaa"), "adapter_model.safetensors")); // half deleted
    writeFileSync(join(dir("20261102T100000Z-bbbbbbbb"), "adapter_config.json"), '{"r": 99}'); // hand-edited
    writeFileSync(join(dir("20261103T100000Z-cccccccc"), "repolora.json"), "{ not json"); // corrupt manifest
    mkdirSync(dir("20261104T100000Z-dddddddd")); // empty folder
    const { adapters } = await new AdapterRegistry(root).list();
    const problems = Object.fromEntries(adapters.map((a) => [a.name.slice(-8), a.problems.join(" | ")]));
    expect(adapters.every((a) => a.status === "broken")).toBe(true);
    expect(problems.aaaaaaaa).toMatch(/adapter_model\.safetensors is missing/);
    expect(problems.bbbbbbbb).toMatch(/adapter_config\.json does not match its sha256/);
    expect(problems.cccccccc).toMatch(/repolora\.json is not valid JSON/);
    expect(problems.dddddddd).toMatch(/not an adapter bundle/);
    const listed = await cli("adapters", "list", "--adapters-dir", root);
    expect(listed.code).toBe(0);
    expect(listed.out).toMatch(/20261101T100000Z-aaaaaaaa {2}BROKEN: adapter_model\.safetensors is missing/);
  });

  it("shows, activates, removes and garbage-collects through the CLI, never deleting the active adapter", async () => {
    const { root, key } = threeAdapters();
    writeBundle(root, key, "20261104T100000Z-dddddddd", { trainedAt: "2026-11-04T10:00:00+00:00" });
    const shown = await cli("adapters", "show", "20261102", "--adapters-dir", root, "--json");
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.out)).toMatchObject({
      name: "20261102T100000Z-bbbbbbbb",
      status: "ok",
      active: false,
    });

    // Ambiguous prefix: refused with the candidates.
    const ambiguous = await cli("adapters", "show", "2026110", "--adapters-dir", root);
    expect(ambiguous.code).toBe(1);
    expect(ambiguous.out).toMatch(/matches 4 adapters/);

    // The oldest becomes active; gc --keep 1 then keeps it and the newest.
    expect(
      (await cli("adapters", "activate", "20261101T100000Z-aaaaaaaa", "--adapters-dir", root)).code,
    ).toBe(0);
    const active = JSON.parse(readFileSync(join(root, key, ACTIVE_FILE), "utf8"));
    expect(active).toMatchObject({ schema: 1, adapter: "20261101T100000Z-aaaaaaaa" });
    const dry = await cli("adapters", "gc", "--keep", "1", "--dry-run", "--adapters-dir", root, "--json");
    expect(JSON.parse(dry.out).removed).toHaveLength(2);
    expect(readdirSync(join(root, key)).filter((n) => !n.startsWith(".") && n !== ACTIVE_FILE)).toHaveLength(
      4,
    );
    const gc = await cli("adapters", "gc", "--keep", "1", "--adapters-dir", root, "--json");
    expect(
      JSON.parse(gc.out)
        .removed.map((r: { id: string }) => r.id)
        .sort(),
    ).toEqual([`${key}/20261102T100000Z-bbbbbbbb`, `${key}/20261103T100000Z-cccccccc`]);
    const left = (await new AdapterRegistry(root).list()).adapters.map((a) => [a.name, a.active]);
    expect(left).toEqual([
      ["20261104T100000Z-dddddddd", false],
      ["20261101T100000Z-aaaaaaaa", true],
    ]);

    // rm refuses the active adapter without --force; removes another one.
    const refused = await cli("adapters", "rm", "20261101T100000Z-aaaaaaaa", "--adapters-dir", root);
    expect(refused.code).toBe(1);
    expect(refused.out).toMatch(/is the active adapter/);
    expect((await cli("adapters", "rm", "20261104T100000Z-dddddddd", "--adapters-dir", root)).code).toBe(0);
    expect(existsSync(join(root, key, "20261104T100000Z-dddddddd"))).toBe(false);
    expect((await cli("adapters", "rm", "20261101", "--force", "--adapters-dir", root)).code).toBe(0);
    expect(existsSync(join(root, key, ACTIVE_FILE))).toBe(false);
    expect(existsSync(join(root, LOCK_FILE))).toBe(false);
  });

  it("gc removes broken bundles and dead writers' leftovers but keeps an active broken one", async () => {
    const { root, key } = threeAdapters();
    rmSync(join(root, key, "20261102T100000Z-bbbbbbbb", "adapter_model.safetensors"));
    rmSync(join(root, key, "20261103T100000Z-cccccccc", "report.json"));
    const registry = new AdapterRegistry(root);
    await registry.activate("20261103T100000Z-cccccccc", { force: true });
    const dead = spawnSync("true").pid as number; // exited: its pid is free
    mkdirSync(join(root, key, `.20261105T100000Z-eeeeeeee.tmp-${dead}-abc`));
    const result = await registry.gc({ keep: 5 });
    expect(result.removed.map((r) => r.id).sort()).toEqual([
      `${key}/.20261105T100000Z-eeeeeeee.tmp-${dead}-abc`,
      `${key}/20261102T100000Z-bbbbbbbb`,
    ]);
    expect(result.kept).toContain(`${key}/20261103T100000Z-cccccccc`);
  });

  it("refuses to activate a broken adapter or one its report card rejects, unless forced", async () => {
    const { root, key } = threeAdapters();
    writeBundle(root, key, "20261104T100000Z-worse000", {
      trainedAt: "2026-11-04T10:00:00Z",
      adapterBetter: false,
    });
    rmSync(join(root, key, "20261101T100000Z-aaaaaaaa", "adapter_config.json"));
    const registry = new AdapterRegistry(root);
    await expect(registry.activate("20261104T100000Z-worse000")).rejects.toThrow(/not better than the base/);
    await expect(registry.activate("20261101T100000Z-aaaaaaaa")).rejects.toThrow(/is broken/);
    await registry.activate("20261104T100000Z-worse000", { force: true });
    // A hand-broken active.json is reported as a warning, not a crash.
    writeFileSync(join(root, key, ACTIVE_FILE), "{");
    const { warnings, adapters } = await registry.list();
    expect(warnings[0]?.message).toMatch(/active\.json is not valid JSON/);
    expect(adapters.some((a) => a.active)).toBe(false);
  });

  it("takes over a lock left by a dead process, and waits for a live one", async () => {
    const root = tempDir("repolora-lock-");
    const lock = join(root, LOCK_FILE);
    const dead = spawnSync("true").pid as number;
    writeFileSync(lock, `${dead} 2026-11-23T00:00:00Z\n`);
    expect(await withLock(lock, async () => readFileSync(lock, "utf8"))).toMatch(
      new RegExp(`^${process.pid} `),
    );
    expect(existsSync(lock)).toBe(false);
    writeFileSync(lock, `${process.ppid} now\n`); // alive (vitest's parent)
    await expect(withLock(lock, async () => 1, { timeoutMs: 200 })).rejects.toThrow(/locked by process/);
  });

  it("keeps active.json valid when two processes activate at once", async () => {
    const { root, key } = threeAdapters();
    // tsx's ESM entry (require.resolve finds its CommonJS twin).
    const tsxApi = createRequire(import.meta.url)
      .resolve("tsx/esm/api")
      .replace(/\.cjs$/, ".mjs");
    const tsx = pathToFileURL(tsxApi).href;
    const registryModule = pathToFileURL(
      join(import.meta.dirname, "..", "generator/src/adapters/registry/registry.ts"),
    ).href;
    const script = join(root, "writer.mjs");
    writeFileSync(
      script,
      [
        `import { register } from ${JSON.stringify(tsx)};`,
        "register();",
        `const { AdapterRegistry } = await import(${JSON.stringify(registryModule)});`,
        "const [root, name, n] = process.argv.slice(2);",
        "const registry = new AdapterRegistry(root);",
        "for (let i = 0; i < Number(n); i++) await registry.activate(name);",
      ].join("\n"),
    );
    const run = (name: string) =>
      new Promise<number>((resolve) => {
        const child = spawn("node", [script, root, name, "25"], { stdio: "inherit" });
        child.on("exit", (code) => resolve(code ?? -1));
      });
    const codes = await Promise.all([run("20261101T100000Z-aaaaaaaa"), run("20261102T100000Z-bbbbbbbb")]);
    expect(codes).toEqual([0, 0]);
    const active = JSON.parse(readFileSync(join(root, key, ACTIVE_FILE), "utf8"));
    expect(["20261101T100000Z-aaaaaaaa", "20261102T100000Z-bbbbbbbb"]).toContain(active.adapter);
    expect(readdirSync(join(root, key)).filter((n) => n.endsWith(".tmp"))).toEqual([]);
    expect(existsSync(join(root, LOCK_FILE))).toBe(false);
    const { warnings } = await new AdapterRegistry(root).list({ verify: false });
    expect(warnings).toEqual([]);
  });
});

describe("activation after concurrent trainings", () => {
  const A = "20261101T100000Z-aaaaaaaa";
  const B = "20261102T100000Z-bbbbbbbb";

  it("tells which adapter is active when two runs of one repository activate at once", async () => {
    const { root, key } = threeAdapters();
    const registry = new AdapterRegistry(root);
    const started = Date.now();
    const [linesA, linesB] = await Promise.all([
      activateAndDescribe(registry, A, started),
      activateAndDescribe(new AdapterRegistry(root), B, started),
    ]);
    const active = registry.readActive(key).record?.adapter;
    const [last, lastLines, firstLines, first] =
      active === B ? [B, linesB, linesA, A] : [A, linesA, linesB, B];
    // The run that activated last says so, and names the concurrent run's adapter it replaced.
    expect(lastLines[0]).toBe(`Active adapter for this repository: ${key}/${last}`);
    expect(lastLines[1]).toMatch(new RegExp(`replaces ${key}/${first} \\(made active by another run`));
    // The first run's line was true when written and names no replacement.
    expect(firstLines).toEqual([`Active adapter for this repository: ${key}/${first}`]);
  });

  it("says so when another run's adapter became active right after this one's", async () => {
    const { key } = threeAdapters();
    const entry = { id: `${key}/${A}`, repoKey: key, name: A } as AdapterEntry;
    const other = { schema: 1, adapter: B, activatedAt: "2026-11-23T10:00:01.000Z", pid: 4242 };
    const lines = describeActivation({ entry, replaced: null, after: other }, 0);
    expect(lines[0]).toBe(
      `Active adapter for this repository: ${key}/${B} (made active by another run, pid 4242, at 2026-11-23T10:00:01.000Z).`,
    );
    expect(lines[1]).toContain(`repolora adapters activate ${key}/${A}`);
    // An activation older than this run (an earlier adapter, replaced as usual) is not news.
    const older = { ...other, activatedAt: "2026-11-20T10:00:00.000Z" };
    expect(
      describeActivation(
        { entry, replaced: older, after: { ...other, adapter: A } },
        Date.parse("2026-11-23"),
      ),
    ).toEqual([`Active adapter for this repository: ${key}/${A}`]);
  });
});

describe("staleness", () => {
  it("counts commits and changed lines since the adapter's commit", async () => {
    const repo = new TestRepo();
    repo.write("a.ts", "one\ntwo\nthree\n");
    const trained = repo.commit("first", "2026-11-01T10:00:00Z");
    repo.write("a.ts", "one\nTWO\nthree\nfour\n");
    repo.commit("second", "2026-11-02T10:00:00Z");
    repo.write("b.ts", "x\ny\n");
    repo.commit("third", "2026-11-03T10:00:00Z");
    const s = await computeStaleness(repo.root, trained);
    expect(s).toMatchObject({
      commitsBehind: 2,
      filesChanged: 2,
      insertions: 4,
      deletions: 1,
      changedLines: 5,
    });
    expect(await computeStaleness(repo.root, "f".repeat(40))).toMatchObject({
      commitsBehind: null,
      error: expect.stringMatching(/not in this clone/),
    });

    const root = tempDir("repolora-registry-");
    writeBundle(root, "repo-1", "20261101T100000Z-x", {
      trainedAt: "2026-11-01T10:00:00Z",
      head: trained,
      root: repo.root,
    });
    const listed = await cli("adapters", "list", "--adapters-dir", root, "--json");
    expect(JSON.parse(listed.out).adapters[0].staleness).toMatchObject({ commitsBehind: 2, changedLines: 5 });
    const text = await cli("adapters", "list", "--adapters-dir", root);
    expect(text.out).toMatch(/2 commits, 5 lines behind/);
    expect(parseShortstat(" 1 file changed, 1 insertion(+)")).toEqual({
      files: 1,
      insertions: 1,
      deletions: 0,
    });
  });

  it("runs as a separate process too (the extension calls `repolora adapters list --json`)", () => {
    const { root } = threeAdapters();
    const result = spawnSync("node", [BIN, "adapters", "list", "--adapters-dir", root, "--json"], {
      encoding: "utf8",
    });
    expect(result.status).toBe(0);
    const parsed = JSON.parse(result.stdout);
    expect(parsed.adapters).toHaveLength(3);
    expect(parsed.adapters[0].staleness).toMatchObject({
      error: expect.stringMatching(/not a git repository/),
    });
  });
});

/** A minimal safetensors file: F32 tensors from shapes (values 0.01·i). */
function writeSafetensors(path: string, tensors: Record<string, number[]>): void {
  const header: Record<string, unknown> = {};
  let offset = 0;
  const datas: Buffer[] = [];
  for (const [name, shape] of Object.entries(tensors)) {
    const count = shape.reduce((a, b) => a * b, 1);
    const data = Buffer.from(Float32Array.from({ length: count }, (_, i) => 0.01 * i).buffer);
    header[name] = { dtype: "F32", shape, data_offsets: [offset, offset + data.length] };
    offset += data.length;
    datas.push(data);
  }
  const json = Buffer.from(JSON.stringify(header));
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.length));
  writeFileSync(path, Buffer.concat([length, json, ...datas]));
}

describe("adapters import (no model package: config check only)", () => {
  it("registers a foreign PEFT adapter under its repository, with a repolora.json the registry verifies", async () => {
    const repo = new TestRepo();
    repo.write("a.ts", "x\n");
    const head = repo.commit("first", "2026-11-01T10:00:00Z");
    const peft = tempDir("repolora-peft-");
    writeFileSync(
      join(peft, "adapter_config.json"),
      JSON.stringify({
        peft_type: "LORA",
        r: 2,
        lora_alpha: 4,
        use_rslora: true,
        base_model_name_or_path: "org/base",
      }),
    );
    writeSafetensors(join(peft, "adapter_model.safetensors"), {
      "base_model.model.model.layers.3.self_attn.v_proj.lora_A.weight": [2, 8],
      "base_model.model.model.layers.3.self_attn.v_proj.lora_B.weight": [8, 2],
    });
    const root = tempDir("repolora-registry-");
    const args = ["--adapters-dir", root, "--json"];
    const imported = await cli(
      "adapters",
      "import",
      peft,
      "--base",
      "org/base",
      "--repo",
      repo.root,
      "--activate",
      ...args,
    );
    expect(imported.code, imported.out).toBe(0);
    const entry = JSON.parse(imported.out);
    expect(entry).toMatchObject({
      status: "ok",
      active: true,
      rank: 2,
      useRslora: true,
      targets: ["v_proj"],
      imported: true,
    });
    expect(entry.repo).toMatchObject({ root: repo.root, head });
    expect(entry.staleness).toMatchObject({ commitsBehind: 0, changedLines: 0 });
    const manifest = JSON.parse(readFileSync(join(entry.dir, "repolora.json"), "utf8"));
    expect(manifest.lora.layers).toEqual([3]);
    expect(manifest.baseModel).toEqual({ id: "org/base", revision: null, sha256: null });

    const wrongBase = await cli("adapters", "import", peft, "--base", "org/other", ...args);
    expect(wrongBase.code).toBe(1);
    expect(wrongBase.out).toMatch(/trained on "org\/base"/);
    writeFileSync(
      join(peft, "adapter_config.json"),
      JSON.stringify({ peft_type: "LORA", r: 2, lora_alpha: 4, bias: "all" }),
    );
    const bias = await cli("adapters", "import", peft, "--base", "org/base", ...args);
    expect(bias.out).toMatch(/bias is "all"/);
    rmSync(join(peft, "adapter_model.safetensors"));
    writeFileSync(join(peft, "adapter_model.bin"), "pickle");
    const pickle = await cli("adapters", "import", peft, "--base", "org/base", ...args);
    expect(pickle.out).toMatch(/adapter_model\.bin is a pickle/);
  });
});

/**
 * LoRA weights for one module as real safetensors: lora_A F32, lora_B BF16; with `nan`, lora_B's element 5 is a
 * bf16 NaN (exponent all ones, mantissa ≠ 0), the pattern a bf16 run that diverged leaves behind.
 */
function loraWeights(nan: boolean): Uint8Array {
  const b = Uint16Array.from({ length: 16 }, (_, i) => 0x3c00 + i); // small finite bf16 values
  if (nan) b[5] = 0x7fc1;
  return encodeSafetensors({
    "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight": {
      dtype: "F32",
      shape: [2, 8],
      data: Float32Array.from({ length: 16 }, (_, i) => 0.01 * i),
    },
    "base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight": {
      dtype: "BF16",
      shape: [8, 2],
      data: b,
    },
  });
}
const NAN_TENSOR =
  /tensor base_model\.model\.model\.layers\.0\.self_attn\.q_proj\.lora_B\.weight holds NaN at element 5 \(BF16\)/;

describe("non-finite adapter weights", () => {
  it("lists a NaN bundle as BROKEN with the tensor, and never activates it, even with --force", async () => {
    const root = tempDir("repolora-registry-");
    const key = "myrepo-12345678";
    writeBundle(root, key, "20261101T100000Z-finite00", {
      trainedAt: "2026-11-01T10:00:00Z",
      weights: loraWeights(false),
    });
    writeBundle(root, key, "20261102T100000Z-nan00000", {
      trainedAt: "2026-11-02T10:00:00Z",
      weights: loraWeights(true),
    });
    const registry = new AdapterRegistry(root);
    const { adapters } = await registry.list();
    const byName = Object.fromEntries(adapters.map((a) => [a.name.slice(-8), a]));
    expect(byName.finite00).toMatchObject({ status: "ok", nonFinite: null });
    expect(byName.nan00000?.status).toBe("broken");
    expect(byName.nan00000?.problems.join(" | ")).toMatch(NAN_TENSOR);
    const listed = await cli("adapters", "list", "--adapters-dir", root);
    expect(listed.out).toMatch(
      /20261102T100000Z-nan00000 {2}BROKEN: adapter_model\.safetensors: tensor .*lora_B\.weight holds NaN/,
    );

    await expect(registry.activate("20261102T100000Z-nan00000")).rejects.toThrow(/non-finite weights/);
    await expect(registry.activate("20261102T100000Z-nan00000", { force: true })).rejects.toThrow(NAN_TENSOR);
    const forced = await cli(
      "adapters",
      "activate",
      "20261102T100000Z-nan00000",
      "--force",
      "--adapters-dir",
      root,
    );
    expect(forced.code).toBe(1);
    expect(existsSync(join(root, key, ACTIVE_FILE))).toBe(false);
    expect((await registry.activate("20261101T100000Z-finite00")).active).toBe(true); // the finite twin does
  });

  it("refuses to import a NaN PEFT adapter, and registers nothing", async () => {
    const peft = tempDir("repolora-peft-");
    writeFileSync(
      join(peft, "adapter_config.json"),
      JSON.stringify({ peft_type: "LORA", r: 2, lora_alpha: 4, base_model_name_or_path: "org/base" }),
    );
    writeFileSync(join(peft, "adapter_model.safetensors"), loraWeights(true));
    const root = tempDir("repolora-registry-");
    const refused = await cli(
      "adapters",
      "import",
      peft,
      "--base",
      "org/base",
      "--activate",
      "--adapters-dir",
      root,
    );
    expect(refused.code).toBe(1);
    expect(refused.out).toMatch(/Cannot import this adapter: .* has non-finite weights/);
    expect(refused.out).toMatch(NAN_TENSOR);
    expect(readdirSync(root)).toEqual([]);
    writeFileSync(join(peft, "adapter_model.safetensors"), loraWeights(false));
    const imported = await cli("adapters", "import", peft, "--base", "org/base", "--adapters-dir", root);
    expect(imported.code, imported.out).toBe(0);
  });

  it("refuses to export a NaN adapter in every format, writing nothing", async () => {
    const root = tempDir("repolora-registry-");
    const nan = writeBundle(root, "k", "nan", {
      trainedAt: "2026-11-02T10:00:00Z",
      weights: loraWeights(true),
    });
    const out = tempDir("repolora-export-");
    for (const format of EXPORT_FORMATS) {
      const target = join(out, `${format}-out`);
      await expect(exportAdapter({ adapterDir: nan, format, out: target })).rejects.toThrow(NAN_TENSOR);
      expect(existsSync(target)).toBe(false);
    }
    expect(readdirSync(out)).toEqual([]);
    const fine = writeBundle(root, "k", "fine", {
      trainedAt: "2026-11-01T10:00:00Z",
      weights: loraWeights(false),
    });
    const exported = await exportAdapter({ adapterDir: fine, format: "peft", out: join(out, "peft-out") });
    expect(existsSync(join(exported.out, "adapter_model.safetensors"))).toBe(true);
  });
});
