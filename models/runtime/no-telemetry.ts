/**
 * onnxruntime-node otherwise queues usage telemetry (session starts, the OS, a device id) under
 * ~/.cache/Microsoft/DeveloperTools/.onnxruntime. The native library reads this variable when it
 * creates its environment, so it must be set before onnxruntime-node is imported: session.ts
 * imports this module first. An operator who wants telemetry can set ORT_DISABLE_TELEMETRY=0.
 */
process.env.ORT_DISABLE_TELEMETRY ??= '1';
