/** What the decoder-graph builder reads base weights through: a Hugging Face folder (HfWeights) or a GGUF file. */
export interface BaseWeights {
  has(name: string): boolean;
  /** Row-major shape, Hugging Face order. */
  shape(name: string): number[];
  /** The tensor as float32, checked against the expected shape. */
  float32(name: string, expectedShape: number[]): Float32Array;
  /** The weights' identity, recorded in the package and matched against adapters' `baseModel.sha256`. */
  sha256(): string;
  close(): void;
}
