import { zipOf } from '@ofg/testing';

export { zipOf };

export async function zipBase64(files: Record<string, string>): Promise<string> {
  return (await zipOf(files)).toString('base64');
}

/** Function sources used across the suite. */
export const SOURCES = {
  hello: `exports.handler = async (event, context) => {
  console.log('hello from ' + context.getFunctionName());
  context.getLogger().info('logger line ' + context.getRequestID());
  return { greeting: 'hello ' + (event.name || 'world'), version: 1, env: process.env.GREETING || '' };
};`,
  helloV2: `exports.handler = async (event) => ({ greeting: 'hi ' + (event.name || 'world'), version: 2, trigger_type: event.trigger_type, trigger_name: event.trigger_name, user_event: event.user_event, time: event.time, event_version: event.version });`,
  hostname: `const os = require('os'); exports.handler = async () => os.hostname();`,
  sleeper: `exports.handler = async (event) => { await new Promise(r => setTimeout(r, (event.sleepMs || 0))); return 'slept ' + (event.sleepMs || 0); };`,
  thrower: `exports.handler = async () => { throw new TypeError('boom from handler'); };`,
  callbackError: `exports.handler = (event, context, callback) => { callback(new Error('callback says no')); };`,
  callbackOk: `exports.handler = (event, context, callback) => { callback(null, { via: 'callback', n: event.n }); };`,
  initFails: `exports.initializer = (context, callback) => { callback(new Error('cannot initialise')); };
exports.handler = async () => 'never';`,
  memoryHog: `const held = []; exports.handler = async () => { for (;;) { const b = Buffer.alloc(16 * 1024 * 1024); b.fill(1); held.push(b); await new Promise(r => setImmediate(r)); } };`,
  timerRecorder: `exports.handler = async (event) => { console.log('timer event ' + JSON.stringify(event)); return event; };`,
  probe: `const fs = require('fs'); const net = require('net');
function tryConnect(host, port) {
  return new Promise((resolve) => {
    const s = net.connect({ host, port, timeout: 1500 });
    s.on('connect', () => { s.destroy(); resolve('connected'); });
    s.on('timeout', () => { s.destroy(); resolve('timeout'); });
    s.on('error', (e) => resolve(e.code || 'error'));
  });
}
exports.handler = async (event) => {
  const status = fs.readFileSync('/proc/self/status', 'utf8');
  const field = (name) => (status.match(new RegExp('^' + name + ':\\\\s*(.*)$', 'm')) || [])[1];
  let rootWrite;
  try { fs.writeFileSync('/probe-root-write', 'x'); rootWrite = 'written'; } catch (e) { rootWrite = e.code; }
  let tmpWrite;
  try { fs.writeFileSync('/tmp/probe', 'x'); tmpWrite = 'written'; } catch (e) { tmpWrite = e.code; }
  const targets = event.targets || [];
  const connections = {};
  for (const t of targets) connections[t.host + ':' + t.port] = await tryConnect(t.host, t.port);
  return { uid: field('Uid'), gid: field('Gid'), capEff: field('CapEff'), capPrm: field('CapPrm'), noNewPrivs: field('NoNewPrivs'), rootWrite, tmpWrite, connections };
};`,
} as const;
