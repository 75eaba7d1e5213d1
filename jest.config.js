// One Jest run over every package. Sources are TypeScript compiled on the fly by SWC (legacy
// decorators + decorator metadata, like `tsc` with experimentalDecorators) into ESM, so Jest
// runs in native ESM mode (`--experimental-vm-modules`, see the `test:jest` script).
// Every workspace package's entry points resolve to its src/ (derived from pnpm-workspace.yaml and
// each package's `exports` map, see scripts/workspace.mjs), so tests never need a build and a new
// package's tests never run against stale build output.
import { fileURLToPath } from 'node:url';
import { sourceEntryPoints, workspaceExclusions, workspaceGlobs } from './scripts/workspace.mjs';

const root = fileURLToPath(new URL('.', import.meta.url));
const escape = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const sourceMapper = Object.fromEntries(
  sourceEntryPoints(root).map(({ specifier, source }) => [
    `^${escape(specifier).replace('\\*', '(.*)')}$`,
    `<rootDir>/${source.replace('*', '$1')}`,
  ]),
);

const swc = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    target: 'es2022',
    keepClassNames: true,
  },
  module: { type: 'es6' },
  sourceMaps: 'inline',
};

/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', swc] },
  moduleNameMapper: {
    ...sourceMapper,
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  // Each workspace glob's packages keep their tests in test/ (see CONTRIBUTING.md).
  testMatch: [...workspaceGlobs(root).map((glob) => `<rootDir>/${glob}/test/**/*.test.ts`), '<rootDir>/test/**/*.test.ts'],
  // Folders pnpm-workspace.yaml excludes (`!dir`) are separate projects with their own runner.
  testPathIgnorePatterns: ['/node_modules/', '/dist/', ...workspaceExclusions(root).map((dir) => `<rootDir>/${escape(dir)}/`)],
  testTimeout: 30_000,
  // Real servers and databases in e2e tests: two cores, so keep parallelism modest.
  maxWorkers: 2,
};
