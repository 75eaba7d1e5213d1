// @alter/mcp/class-validator — import it for its effect: `import '@alter/mcp/class-validator';`.
// Hands class-validator and class-transformer to the DTO adapter through static imports, which a
// bundler follows (esbuild, rollup, webpack). Without a bundler it is optional: @alter/mcp loads
// them itself on the first DTO class it meets. See docs/bundling.md.
import * as classTransformer from 'class-transformer';
// class-transformer's @Type() metadata lives in this module (not exported from its index).
import * as classTransformerStorage from 'class-transformer/cjs/storage.js';
import * as classValidator from 'class-validator';
import { provideDtoLibraries } from '../internal/optional-deps.js';

provideDtoLibraries({ classValidator, classTransformer, classTransformerStorage });
