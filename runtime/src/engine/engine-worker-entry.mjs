// Worker entry: registers the TypeScript loader in this thread, then runs the engine worker.
import { register } from "tsx/esm/api";

register();
await import("./engine-worker.ts");
