// @alter/cli — every export here is public API. Add deliberately.
// The package's main job is the `alter` bin (bin.ts); `run` lets a program or a test drive the
// same commands in-process. `run` never throws (an error is one line on stderr and a non-zero
// status), so the CLI's error classes and its config loader are not exported.
export { run, VERSION } from './main.js';
export type { CliIo } from './cli-io.js';
