// Resolves the @ofg/* workspace aliases against the compiled tree in dist/ at run time.
const path = require('node:path');
const { register } = require('tsconfig-paths');
const tsconfig = require('../tsconfig.base.json');
// OFG_DIST_DIR lets parallel builds of one checkout run side by side (tests, benchmarks).
const distRoot = path.resolve(process.env.OFG_DIST_DIR || path.resolve(__dirname, '..', 'dist'));
const paths = {};
for (const [alias, [target]] of Object.entries(tsconfig.compilerOptions.paths)) {
  paths[alias] = [target.replace(/\.ts$/, '')];
}
register({ baseUrl: distRoot, paths });
