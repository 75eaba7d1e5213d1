// @alter/cli — every export here is public API. Add deliberately.
// The package's main job is the `alter` bin (bin.ts); `run` lets a program or a test drive the
// same commands in-process.
export { run, VERSION } from './main.js';
export type { CliIo } from './cli-io.js';
export { CliError, UsageError, ConfigFileError, CheckFailedError, NotFoundError } from './cli-error.js';
export type { CliErrorCode } from './cli-error.js';
export { loadConfig, DEFAULT_CONFIG_FILES } from './config.js';
export type { LoadedConfig, LoadConfigInput, SettingSource, VaultOptionsInput } from './config.js';
