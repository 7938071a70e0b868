import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import onnxProto from "onnx-proto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ModelPackageError } from "../errors.ts";
import { TINY_QWEN2, writeRandomModel } from "../testing/random-model.ts";
import { groupsOnLayers, withLoraBranchesOnly } from "./lora-branches.ts";
import { type ModelPackage, prepareModelPackage } from "./package.ts";

const { onnx } = onnxProto;

describe("withLoraBranchesOnly: the package graph without the LoRA branches of some layers", () => {
  let work: string;
  let pkg: ModelPackage;
  let model: Uint8Array;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "repolora-lora-branches-"));
    writeRandomModel(join(work, "model"), TINY_QWEN2);
    pkg = await prepareModelPackage({
      source: join(work, "model"),
      outDir: join(work, "package"),
      id: "tiny",
    });
    model = readFileSync(pkg.modelPath);
  });

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  const decode = (bytes: Uint8Array) => onnx.ModelProto.decode(bytes).graph!;

  it("keeps the graph as it is when every group stays", () => {
    expect(withLoraBranchesOnly(model, pkg.lora.groups, pkg.lora.groups)).toBe(model);
  });

  it("drops the inputs and both MatMuls of the other layers' groups, their Add becoming an Identity", () => {
    const keep = groupsOnLayers(pkg.lora.groups, new Set([1]));
    expect(keep.map((group) => group.layer)).toEqual([1, 1, 1, 1]);
    const before = decode(model);
    const after = decode(withLoraBranchesOnly(model, pkg.lora.groups, keep));
    const inputs = new Set(after.input!.map((input) => input.name));
    for (const group of pkg.lora.groups) {
      expect(inputs.has(group.inputA), group.inputA).toBe(group.layer === 1);
      expect(inputs.has(group.inputB), group.inputB).toBe(group.layer === 1);
    }
    const dropped = pkg.lora.groups.length - keep.length;
    expect(after.input!.length).toBe(before.input!.length - 2 * dropped);
    expect(after.node!.length).toBe(before.node!.length - 2 * dropped);
    const identities = (graph: typeof after) =>
      graph.node!.filter((node) => node.opType === "Identity").length;
    expect(identities(after) - identities(before)).toBe(dropped);
    // nothing reads a removed value: every node input is a graph input, an initializer or a node output
    const known = new Set([
      ...inputs,
      ...after.initializer!.map((tensor) => tensor.name),
      ...after.node!.flatMap((node) => node.output ?? []),
      "",
    ]);
    for (const node of after.node!)
      for (const input of node.input ?? []) expect(known.has(input), input).toBe(true);
    expect(after.initializer!.length).toBe(before.initializer!.length); // the weights are untouched
  });

  it("refuses a graph whose branch is not the one the package builds", () => {
    const none = withLoraBranchesOnly(model, pkg.lora.groups, []);
    expect(() => withLoraBranchesOnly(none, pkg.lora.groups, [])).toThrow(ModelPackageError);
    expect(() => withLoraBranchesOnly(none, pkg.lora.groups, [])).toThrow(/prepare the package again/);
  });
});
