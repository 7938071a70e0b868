/**
 * The runtime's error classes. Each carries a stable `code` (for the protocol and the extension, which shows
 * each distinct error once) and a message that says what to do about it.
 */
export class RuntimeError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** A safetensors file that cannot be read as such. */
export class SafetensorsError extends RuntimeError {
  constructor(message: string) {
    super("safetensors-invalid", message);
  }
}

/** A base model the package builder cannot turn into a graph (architecture, config field, missing weight). */
export class UnsupportedModelError extends RuntimeError {
  constructor(message: string) {
    super("model-unsupported", message);
  }
}

/** A model package folder that is missing files or was written by another schema. */
export class ModelPackageError extends RuntimeError {
  constructor(message: string) {
    super("model-package-invalid", message);
  }
}

export type AdapterErrorCode =
  | "adapter-files-missing"
  | "adapter-config-invalid"
  | "adapter-unsupported"
  | "adapter-base-model-mismatch"
  | "adapter-shape-mismatch"
  | "adapter-unknown-tensor"
  | "adapter-not-finite"
  /** A prompt template the bundle records that this runtime or this model's tokenizer cannot render. */
  | "adapter-template-unsupported"
  /** Adapters stacked for one workspace that were trained with different prompt templates. */
  | "adapter-template-conflict";

/** A PEFT adapter the runtime refuses; the message names the field or tensor at fault. */
export class AdapterError extends RuntimeError {
  constructor(code: AdapterErrorCode, message: string) {
    super(code, message);
  }
}

/** The inference engine was used wrongly or onnxruntime failed. */
export class EngineError extends RuntimeError {
  constructor(message: string) {
    super("engine-failed", message);
  }
}
