// Resolves the @ofg/* workspace aliases against the compiled tree in dist/ at run time.
const path = require('node:path');
const { register } = require('tsconfig-paths');
const tsconfig = require('../tsconfig.base.json');
const distRoot = path.resolve(__dirname, '..', 'dist');
const paths = {};
for (const [alias, [target]] of Object.entries(tsconfig.compilerOptions.paths)) {
  paths[alias] = [target.replace(/\.ts$/, '')];
}
register({ baseUrl: distRoot, paths });
