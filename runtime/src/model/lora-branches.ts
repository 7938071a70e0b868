/**
 * The package graph with LoRA branches only where an adapter can use them.
 *
 * decoder-graph.ts gives every fused projection of every layer a LoRA branch, `y + (x·A)·B`, with A and B graph
 * inputs, so that any adapter fits one graph. A group no loaded adapter touches is fed rank-0 tensors, and its
 * two MatMuls and Add still run each step: with the shipped default adapter (the last 6 of 24 layers), 72 such
 * kernels a decode step, ~5–6% of the step on 2 cores (decisions/2026-12-06-lora-layers.md). This removes the
 * branches of the groups outside a layer set — the Add becomes an Identity of `y`, which onnxruntime's optimizer
 * drops — and their inputs. The weights are untouched: the edited graph keeps pointing at the package's
 * external data file.
 */
import onnxProto from "onnx-proto";
import { ModelPackageError } from "../errors.ts";
import type { LoraGroup } from "./lora-targets.ts";

/** What the edit needs of a LoRA group (the package manifest's groups or lora-targets.ts's). */
export type BranchGroup = Pick<LoraGroup, "layer" | "path" | "inputA" | "inputB">;

const { onnx } = onnxProto;
type INodeProto = onnxProto.onnx.INodeProto;

/** The groups whose branch stays: those of the layers in `layers`. */
export function groupsOnLayers<G extends BranchGroup>(
  groups: readonly G[],
  layers: ReadonlySet<number>,
): G[] {
  return groups.filter((group) => layers.has(group.layer));
}

/**
 * `model` (ONNX bytes of a package graph) with the LoRA branches of every group not in `keep` removed.
 * Throws when a group's branch does not have the shape decoder-graph.ts builds (a graph from elsewhere).
 */
export function withLoraBranchesOnly(
  model: Uint8Array,
  groups: readonly BranchGroup[],
  keep: readonly BranchGroup[],
): Uint8Array {
  const proto = onnx.ModelProto.decode(model);
  const graph = proto.graph;
  if (!graph) throw new ModelPackageError("the package's model.onnx has no graph");
  const kept = new Set(keep.map((group) => group.inputA));
  const dropped = groups.filter((group) => !kept.has(group.inputA));
  if (dropped.length === 0) return model;
  const nodes = graph.node ?? [];
  const removed = new Set<INodeProto>();
  const replaced = new Map<INodeProto, INodeProto>();
  for (const group of dropped) {
    // MatMul(x, A) → MatMul(·, B) → Add(y, ·): find them from the inputs, check the pattern.
    const down = consumerAt(nodes, group.inputA, 1);
    const up = down ? consumerAt(nodes, down.output?.[0] ?? "", 0) : undefined;
    const add = up ? consumerAt(nodes, up.output?.[0] ?? "", 1) : undefined;
    if (
      !down ||
      !up ||
      !add ||
      down.opType !== "MatMul" ||
      up.opType !== "MatMul" ||
      up.input?.[1] !== group.inputB ||
      add.opType !== "Add"
    )
      throw new ModelPackageError(
        `model.onnx: the LoRA branch of ${group.path} is not MatMul(x, A) → MatMul(·, B) → Add(y, ·); prepare the package again`,
      );
    removed.add(down).add(up);
    replaced.set(add, {
      name: `${add.name}/Identity`,
      opType: "Identity",
      domain: "",
      input: [add.input![0]!],
      output: add.output!,
    });
  }
  graph.node = nodes.filter((node) => !removed.has(node)).map((node) => replaced.get(node) ?? node);
  const droppedInputs = new Set(dropped.flatMap((group) => [group.inputA, group.inputB]));
  graph.input = (graph.input ?? []).filter((input) => !droppedInputs.has(input.name ?? ""));
  return onnx.ModelProto.encode(proto).finish();
}

/** The one node that reads `value` as its input number `at`. */
function consumerAt(nodes: readonly INodeProto[], value: string, at: number): INodeProto | undefined {
  const found = nodes.filter((node) => node.input?.[at] === value);
  return found.length === 1 ? found[0] : undefined;
}
