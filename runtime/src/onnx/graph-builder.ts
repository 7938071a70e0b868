/**
 * A small builder for ONNX graphs (onnx-proto): named inputs, outputs, initializers and nodes, with large
 * initializers streamed to an external data file so that models over 2 GB never sit in one protobuf.
 */
import { closeSync, openSync, writeSync } from "node:fs";
import { basename } from "node:path";
import onnxProto from "onnx-proto";

const { onnx } = onnxProto;
type ITensorProto = onnxProto.onnx.ITensorProto;
type INodeProto = onnxProto.onnx.INodeProto;
type IValueInfoProto = onnxProto.onnx.IValueInfoProto;

export type ElementType = "float32" | "int64" | "int32" | "uint8";
/** A fixed size, or a symbolic name shared by every tensor that has that size (e.g. "batch"). */
export type Dim = number | string;
export type TensorData = Float32Array | BigInt64Array | Int32Array | Uint8Array;

const ONNX_TYPE: Record<ElementType, number> = {
  float32: onnx.TensorProto.DataType.FLOAT,
  int64: onnx.TensorProto.DataType.INT64,
  int32: onnx.TensorProto.DataType.INT32,
  uint8: onnx.TensorProto.DataType.UINT8,
};

export type Attribute =
  | { kind: "int"; value: number }
  | { kind: "float"; value: number }
  | { kind: "ints"; value: number[] }
  | { kind: "string"; value: string };

/** Attribute constructors: ONNX distinguishes int from float attributes, JavaScript numbers do not. */
export const attr = {
  int: (value: number): Attribute => ({ kind: "int", value }),
  float: (value: number): Attribute => ({ kind: "float", value }),
  ints: (value: number[]): Attribute => ({ kind: "ints", value }),
  string: (value: string): Attribute => ({ kind: "string", value }),
};

export interface NodeOptions {
  /** Node name, also the prefix of its output names; keep them path-like: "/layers.0/attn/q_proj/MatMul". */
  name: string;
  outputs?: number | string[];
  attrs?: Record<string, Attribute>;
  domain?: "" | "com.microsoft";
}

/** Initializers at least this big go to the external data file. */
const EXTERNAL_THRESHOLD_BYTES = 1024;
const EXTERNAL_ALIGNMENT = 4096;

/** Appends tensor bytes to one external data file, page-aligned so onnxruntime can map them. */
export class ExternalDataWriter {
  private readonly fd: number;
  private offset = 0;
  readonly fileName: string;

  constructor(path: string) {
    this.fd = openSync(path, "w");
    this.fileName = basename(path);
  }

  append(bytes: Uint8Array): { offset: number; length: number } {
    const padding = (EXTERNAL_ALIGNMENT - (this.offset % EXTERNAL_ALIGNMENT)) % EXTERNAL_ALIGNMENT;
    if (padding > 0) this.write(new Uint8Array(padding));
    const at = this.offset;
    this.write(bytes);
    return { offset: at, length: bytes.byteLength };
  }

  close(): void {
    closeSync(this.fd);
  }

  private write(bytes: Uint8Array): void {
    let done = 0;
    while (done < bytes.byteLength) done += writeSync(this.fd, bytes, done, bytes.byteLength - done);
    this.offset += bytes.byteLength;
  }
}

export class GraphBuilder {
  private readonly nodes: INodeProto[] = [];
  private readonly inputs: IValueInfoProto[] = [];
  private readonly outputs: IValueInfoProto[] = [];
  private readonly initializers: ITensorProto[] = [];
  private readonly names = new Set<string>();

  constructor(private readonly externalData: ExternalDataWriter) {}

  input(name: string, type: ElementType, dims: Dim[]): string {
    this.claim(name);
    this.inputs.push(valueInfo(name, type, dims));
    return name;
  }

  /** Marks an existing value as a graph output under its own name. */
  output(name: string, type: ElementType, dims: Dim[]): void {
    this.outputs.push(valueInfo(name, type, dims));
  }

  initializer(name: string, type: ElementType, dims: number[], data: TensorData): string {
    this.claim(name);
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    const tensor: ITensorProto = { name, dataType: ONNX_TYPE[type], dims };
    if (bytes.byteLength >= EXTERNAL_THRESHOLD_BYTES) {
      const { offset, length } = this.externalData.append(bytes);
      tensor.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
      tensor.externalData = [
        { key: "location", value: this.externalData.fileName },
        { key: "offset", value: String(offset) },
        { key: "length", value: String(length) },
      ];
    } else {
      tensor.rawData = new Uint8Array(bytes); // copy: the caller may reuse its buffer
    }
    this.initializers.push(tensor);
    return name;
  }

  /** A small int64 constant (shapes, axes, indices). */
  int64s(name: string, values: number[], dims: number[] = [values.length]): string {
    return this.initializer(
      name,
      "int64",
      dims,
      BigInt64Array.from(values, (v) => BigInt(v)),
    );
  }

  /** Adds a node; returns its output names (`<name>/output_<i>` unless given). */
  node(opType: string, inputs: string[], options: NodeOptions): string[] {
    const { name, attrs = {}, domain = "" } = options;
    const outputs = Array.isArray(options.outputs)
      ? options.outputs
      : Array.from({ length: options.outputs ?? 1 }, (_, i) => `${name}/output_${i}`);
    for (const output of outputs) this.claim(output);
    this.nodes.push({
      name,
      opType,
      domain,
      input: inputs,
      output: outputs,
      attribute: Object.entries(attrs).map(([key, a]) => attributeProto(key, a)),
    });
    return outputs;
  }

  /** A node with exactly one output, returned by name. */
  op(opType: string, inputs: string[], options: NodeOptions): string {
    return this.node(opType, inputs, { ...options, outputs: options.outputs ?? 1 })[0]!;
  }

  encode(graphName: string, opsets: Record<string, number>): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: 10,
      producerName: "repolora",
      opsetImport: Object.entries(opsets).map(([domain, version]) => ({ domain, version })),
      graph: {
        name: graphName,
        node: this.nodes,
        input: this.inputs,
        output: this.outputs,
        initializer: this.initializers,
      },
    });
    return onnx.ModelProto.encode(model).finish();
  }

  private claim(name: string): void {
    if (this.names.has(name)) throw new Error(`graph builder: value "${name}" is defined twice`);
    this.names.add(name);
  }
}

function valueInfo(name: string, type: ElementType, dims: Dim[]): IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: ONNX_TYPE[type],
        shape: { dim: dims.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function attributeProto(name: string, a: Attribute): onnxProto.onnx.IAttributeProto {
  const { AttributeType } = onnx.AttributeProto;
  switch (a.kind) {
    case "int":
      return { name, type: AttributeType.INT, i: a.value };
    case "float":
      return { name, type: AttributeType.FLOAT, f: a.value };
    case "ints":
      return { name, type: AttributeType.INTS, ints: a.value };
    case "string":
      return { name, type: AttributeType.STRING, s: new TextEncoder().encode(a.value) };
  }
}
