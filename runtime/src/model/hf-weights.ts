/** A Hugging Face model folder's weights: `model.safetensors`, or shards listed in `model.safetensors.index.json`. */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { UnsupportedModelError } from "../errors.ts";
import { SafetensorsFile } from "../safetensors/read.ts";

export class HfWeights {
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
