/** A Hugging Face model folder's weights: `model.safetensors`, or shards listed in `model.safetensors.index.json`. */
import { createHash } from "node:crypto";
import { closeSync, existsSync, openSync, readFileSync, readSync } from "node:fs";
import { join } from "node:path";
import { UnsupportedModelError } from "../errors.ts";
import { SafetensorsFile } from "../safetensors/read.ts";
import type { BaseWeights } from "./weights-source.ts";

export class HfWeights implements BaseWeights {
  private constructor(
    private readonly byName: Map<string, SafetensorsFile>,
    /** The safetensors files, in a stable order (for hashing). */
    readonly files: string[],
    private readonly opened: SafetensorsFile[],
  ) {}

  static open(modelDir: string): HfWeights {
    const single = join(modelDir, "model.safetensors");
    const index = join(modelDir, "model.safetensors.index.json");
    let fileNames: string[];
    if (existsSync(single)) fileNames = ["model.safetensors"];
    else if (existsSync(index)) {
      const weightMap = (JSON.parse(readFileSync(index, "utf8")) as { weight_map?: Record<string, string> })
        .weight_map;
      if (!weightMap) throw new UnsupportedModelError(`${index}: no weight_map`);
      fileNames = [...new Set(Object.values(weightMap))].sort();
    } else {
      throw new UnsupportedModelError(
        `${modelDir}: no model.safetensors or model.safetensors.index.json (pickle checkpoints are not loaded; convert to safetensors first)`,
      );
    }
    const opened = fileNames.map((name) => SafetensorsFile.open(join(modelDir, name)));
    const byName = new Map<string, SafetensorsFile>();
    for (const file of opened) for (const name of file.names()) byName.set(name, file);
    return new HfWeights(
      byName,
      fileNames.map((name) => join(modelDir, name)),
      opened,
    );
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  shape(name: string): number[] {
    return this.file(name).info(name).shape;
  }

  /** The tensor as float32, checked against the expected shape. */
  float32(name: string, expectedShape: number[]): Float32Array {
    const shape = this.shape(name);
    if (shape.length !== expectedShape.length || shape.some((d, i) => d !== expectedShape[i])) {
      throw new UnsupportedModelError(
        `weight ${name} is [${shape.join(", ")}], config says [${expectedShape.join(", ")}]`,
      );
    }
    return this.file(name).float32(name);
  }

  /** sha256 over the safetensors files' bytes, in order. */
  sha256(): string {
    return sha256OfFiles(this.files);
  }

  close(): void {
    for (const file of this.opened) file.close();
  }

  private file(name: string): SafetensorsFile {
    const file = this.byName.get(name);
    if (!file)
      throw new UnsupportedModelError(`weight ${name} is missing from the model's safetensors files`);
    return file;
  }
}

/** sha256 over the files' bytes, concatenated in the given order, read in 8 MiB chunks. */
export function sha256OfFiles(paths: string[]): string {
  const hash = createHash("sha256");
  const chunk = new Uint8Array(8 * 1024 * 1024);
  for (const path of paths) {
    const fd = openSync(path, "r");
    try {
      for (let n = readSync(fd, chunk); n > 0; n = readSync(fd, chunk)) hash.update(chunk.subarray(0, n));
    } finally {
      closeSync(fd);
    }
  }
  return hash.digest("hex");
}
