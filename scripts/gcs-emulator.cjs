// Starts the Cloud Storage emulator of npm's firebase-tools (installed by scripts/firebase-storage.sh)
// on loopback, serving the GCS JSON API that the GCS plugin's tests use. Usage:
//   node scripts/gcs-emulator.cjs <firebase-tools package dir> <port>
// Only the GCS JSON API is used (every call there is served as an admin, without Firebase rules),
// so the Firebase rules runtime - a Java jar that firebase-tools downloads from the network at
// start - is neither fetched nor started. Prints "gcs-emulator ready port=<port>" when listening.
"use strict";
const path = require("path");
const [packageDir, port] = process.argv.slice(2);
if (!packageDir || !port) {
  console.error("usage: node gcs-emulator.cjs <firebase-tools package dir> <port>");
  process.exit(2);
}
// Warnings and failures to stderr (firebase-tools' own logger is silent unless its CLI set it up).
require(path.resolve(packageDir, "lib/logger")).useConsoleLoggers();
const storage = require(path.resolve(packageDir, "lib/emulator/storage"));
const noRules = { start: async () => [], stop: async () => {}, getRuleset: () => undefined };
storage.StorageEmulator.prototype.createRulesManager = () => noRules;
const emulator = new storage.StorageEmulator({ projectId: "demo-eba", host: "127.0.0.1", port: Number(port), rules: noRules });
emulator._rulesRuntime = { start: async () => {}, stop: async () => {} };
// Registered, because object metadata carries URLs built from the registry's host and port.
const { EmulatorRegistry } = require(path.resolve(packageDir, "lib/emulator/registry"));
EmulatorRegistry.start(emulator).then(
  () => console.log("gcs-emulator ready port=" + port),
  (e) => { console.error("gcs-emulator failed: " + (e && e.stack || e)); process.exit(1); });
const stop = () => EmulatorRegistry.stop(emulator.getName()).finally(() => process.exit(0));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
