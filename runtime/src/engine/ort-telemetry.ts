/**
 * onnxruntime 1.30's Linux build carries Microsoft's 1DS telemetry: the first session in a process starts it,
 * and it leaves an empty `/tmp/mat-debug-<pid>.log` behind for every process (and may try to upload events).
 * The library reads ORT_DISABLE_TELEMETRY from the C environment when that first session is created; set it
 * (unless the user chose a value) in the main thread — a worker thread's `process.env` is a JS copy that the
 * native getenv never sees, so this must run before the engine worker starts.
 */
export function disableOrtTelemetry(): void {
  process.env.ORT_DISABLE_TELEMETRY ??= "1";
}
