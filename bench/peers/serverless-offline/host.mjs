// Runs serverless-offline's own plugin class with only its Lambda invoke endpoint, under a minimal stand-in for the
// serverless v4 framework (whose npm package fetches its binary from outside npm at install and run time).
// Usage: node host.mjs --port <port> --service-dir <dir with index.js> --function <name> [--handler index.handler]
//   [--memory-mb 256] [--timeout-s 30] [--in-process]
// Prints "serverless-offline lambda endpoint ready on http://127.0.0.1:<port>" once it listens; stops on SIGTERM.
import { format, parseArgs } from 'node:util';
import ServerlessOffline from 'serverless-offline';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    'service-dir': { type: 'string' },
    function: { type: 'string' },
    handler: { type: 'string', default: 'index.handler' },
    'memory-mb': { type: 'string', default: '256' },
    'timeout-s': { type: 'string', default: '30' },
    'in-process': { type: 'boolean', default: false },
  },
});
const port = Number(values.port);
const serviceDir = values['service-dir'];
const functionName = values.function;
if (!Number.isInteger(port) || !serviceDir || !functionName) {
  console.error('usage: node host.mjs --port <port> --service-dir <dir> --function <name>');
  process.exit(2);
}

// One function without events: the plugin then starts its Lambda server and no API Gateway, ALB or websocket server.
const functions = {
  [functionName]: {
    name: functionName,
    handler: values.handler,
    memorySize: Number(values['memory-mb']),
    timeout: Number(values['timeout-s']),
    events: [],
  },
};

// What ServerlessOffline and its Lambda classes read from the framework's `serverless` object.
const serverless = {
  config: { servicePath: serviceDir, serverlessPath: serviceDir },
  serviceDir,
  service: {
    service: 'ofg-bench',
    custom: {},
    package: {},
    provider: { name: 'aws', runtime: 'nodejs20.x', region: 'us-east-1', stage: 'dev', environment: {} },
    getAllFunctions: () => Object.keys(functions),
    getFunction: (key) => functions[key],
    getAllEventsInFunction: (key) => functions[key].events,
  },
};

// The framework's default log level: notice, warning and error are shown, info/verbose/debug need --verbose/--debug.
const print = (...args) => process.stderr.write(`${format(...args)}\n`);
const quiet = () => undefined;
const utils = {
  log: { error: print, warning: print, notice: print, info: quiet, verbose: quiet, debug: quiet },
  progress: { get: () => ({ notice: quiet, remove: quiet }), notice: quiet, remove: quiet },
};

const cliOptions = {
  host: '127.0.0.1',
  lambdaPort: port,
  noSponsor: true,
  // Worker threads are serverless-offline's default; --in-process is its `useInProcess` option.
  ...(values['in-process'] ? { useInProcess: true } : {}),
};

const offline = new ServerlessOffline(serverless, cliOptions, utils);
await offline.hooks['offline:start:init']();
console.log(`serverless-offline lambda endpoint ready on http://127.0.0.1:${port}`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await offline.end(true);
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
