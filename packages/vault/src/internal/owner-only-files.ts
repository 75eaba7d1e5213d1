/**
 * Files and directories the vault creates for itself are its owner's alone: a SQLite vault holds
 * sealed tokens, grants metadata, Connect sessions and the audit trail, and the usual umask (022)
 * would leave them readable by every local user. Only what the vault creates is restricted: a
 * directory or file that already exists was the user's choice and keeps its mode.
 */
import { closeSync, mkdirSync, openSync } from 'node:fs';

/** Owner read/write: new vault files. */
const OWNER_ONLY_FILE = 0o600;
/** Owner read/write/search: new directories on the way to a vault file. */
const OWNER_ONLY_DIRECTORY = 0o700;

/**
 * Creates `dir` and any missing parents with mode 0700 (less whatever the umask removes).
 * Directories that exist are not touched.
 */
export function createOwnerOnlyDirectory(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: OWNER_ONLY_DIRECTORY });
}

/**
 * Creates `file` empty with mode 0600 when it does not exist, so that whoever opens it next
 * (SQLite) finds it rather than creating it with its default 0644. An existing file, including
 * one another process created a moment ago, is left as it is.
 */
export function createOwnerOnlyFileIfMissing(file: string): void {
  let fd: number;
  try {
    // 'wx': O_CREAT | O_EXCL, so a file that exists — or appears between a check and the create — is never truncated.
    fd = openSync(file, 'wx', OWNER_ONLY_FILE);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return;
    throw err;
  }
  closeSync(fd);
}
