// One Jest run over every package. Sources are TypeScript compiled on the fly by SWC (legacy
// decorators + decorator metadata, like `tsc` with experimentalDecorators) into ESM, so Jest
// runs in native ESM mode (`--experimental-vm-modules`, see the `test:jest` script).
// `@alter/*` resolves to each package's src/, so tests never need a build.
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
    // @alter/mcp's seam into the vault (not public API; see packages/vault/src/internal-api.ts).
    '^@alter/vault/internal$': '<rootDir>/packages/vault/src/internal-api.ts',
    '^@alter/(vault|mcp|testing|tools-google|tools-github|tools-slack)$': '<rootDir>/packages/$1/src/index.ts',
    // Subpath entry points (package.json "exports") → src/entries/<name>.ts.
    '^@alter/vault/(sqlite|postgres)$': '<rootDir>/packages/vault/src/entries/$1.ts',
    '^@alter/mcp/(http|auth|class-validator)$': '<rootDir>/packages/mcp/src/entries/$1.ts',
    '^@alter-examples/shared$': '<rootDir>/examples/shared/src/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testMatch: ['<rootDir>/packages/*/test/**/*.test.ts', '<rootDir>/examples/*/test/**/*.test.ts', '<rootDir>/test/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  testTimeout: 30_000,
  // Real servers and databases in e2e tests: two cores, so keep parallelism modest.
  maxWorkers: 2,
};
