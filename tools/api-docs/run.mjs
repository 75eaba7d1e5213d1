#!/usr/bin/env node
// Runs typedoc over every workspace package that has a src/index.ts (its whole public API), so a
// package still being written does not stop the reference of the others from being generated.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const packagesDir = path.resolve(here, '../../packages');
const packages = readdirSync(packagesDir)
  .map((name) => path.join(packagesDir, name))
  .filter((dir) => existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'src/index.ts')));
if (packages.length === 0) {
  console.error('api-docs: no package has a src/index.ts');
  process.exit(1);
}
const typedoc = path.join(here, 'node_modules/typedoc/bin/typedoc');
const args = [typedoc, '--options', path.join(here, 'typedoc.json'), ...packages.flatMap((dir) => ['--entryPoints', dir])];
const result = spawnSync(process.execPath, args, { cwd: here, stdio: 'inherit' });
process.exit(result.status ?? 1);
