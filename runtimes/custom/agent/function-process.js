'use strict';
/** The user's own process: a Custom/HTTP function's `bootstrap`, or a container image's command. */
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');

const OUTPUT_TAIL_BYTES = 2048;
const PORT_POLL_MS = 20;

/** Why the function process could not be started; already worded for the function's caller. */
class StartFailure extends Error {
  constructor(errorType, message) {
    super(message);
    this.errorType = errorType;
  }
}

/**
 * How to run `<codeRoot>/bootstrap`: directly when it is a binary or starts with `#!`, otherwise through /bin/sh
 * (what execvp does on ENOEXEC; FunctionGraph's own samples have no `#!` line).
 */
function bootstrapCommand(codeRoot) {
  const file = `${codeRoot}/bootstrap`;
  const stat = fs.statSync(file, { throwIfNoEntry: false });
  if (!stat) {
    throw new StartFailure(
      'BootstrapNotFound',
      `function initialization exception: the code package has no 'bootstrap' file at its root; ` +
        'a Custom or HTTP function starts $RUNTIME_CODE_ROOT/bootstrap',
    );
  }
  if (!stat.isFile()) {
    throw new StartFailure(
      'BootstrapNotFound',
      `function initialization exception: 'bootstrap' is not a file`,
    );
  }
  try {
    fs.accessSync(file, fs.constants.X_OK);
  } catch {
    throw new StartFailure(
      'BootstrapNotExecutable',
      `function initialization exception: 'bootstrap' is not executable; ` +
        `give it mode 0755 (chmod +x bootstrap) before packaging the zip`,
    );
  }
  const head = Buffer.alloc(4);
  const fd = fs.openSync(file, 'r');
  let read;
  try {
    read = fs.readSync(fd, head, 0, 4, 0);
  } finally {
    fs.closeSync(fd);
  }
  const magic = head.subarray(0, read);
  const direct =
    magic.subarray(0, 2).toString('latin1') === '#!' || magic.equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
  return direct ? [file] : ['/bin/sh', file];
}

/** Supervises one child process: output capture, exit, and waiting for its HTTP port. */
class FunctionProcess {
  /**
   * @param {{argv: string[], cwd: string, env: Record<string,string>, onOutput: (text: string) => void}} options
   */
  constructor(options) {
    this.options = options;
    this.child = null;
    this.exit = null;
    this.tail = Buffer.alloc(0);
    this.exited = new Promise((resolve) => {
      this.resolveExited = resolve;
    });
  }

  /** Spawns the process; rejects with a StartFailure when the kernel refuses to run it. */
  start() {
    const [command, ...args] = this.options.argv;
    return new Promise((resolve, reject) => {
      let child;
      try {
        child = spawn(command, args, {
          cwd: this.options.cwd,
          env: this.options.env,
          stdio: ['ignore', 'pipe', 'pipe'],
        });
      } catch (err) {
        reject(new StartFailure('RuntimeStartError', startErrorText(command, err)));
        return;
      }
      this.child = child;
      const capture = (chunk) => {
        this.tail = Buffer.concat([this.tail, chunk]);
        if (this.tail.length > OUTPUT_TAIL_BYTES)
          this.tail = this.tail.subarray(this.tail.length - OUTPUT_TAIL_BYTES);
        this.options.onOutput(chunk.toString('utf8'));
      };
      child.stdout.on('data', capture);
      child.stderr.on('data', capture);
      child.once('spawn', () => resolve());
      child.once('error', (err) => {
        // An error before 'spawn' means it never ran; after, it is a failed kill and 'exit' follows anyway.
        if (!this.exit && child.pid === undefined) {
          this.markExited(null, null);
          reject(new StartFailure('RuntimeStartError', startErrorText(command, err)));
        }
      });
      child.once('exit', (code, signal) => this.markExited(code, signal));
    });
  }

  get running() {
    return this.child !== null && this.exit === null;
  }

  /** The last output lines, for messages about a process that died. */
  outputTail() {
    const text = this.tail.toString('utf8').trim();
    return text ? `; last output: ${text.slice(-1000)}` : '';
  }

  /** Resolves once something accepts TCP connections on host:port; rejects when the process exits or time runs out. */
  async waitForPort(host, port, timeoutMs) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.exit) {
        throw new StartFailure(
          'RuntimeExitError',
          `function initialization exception: the function process exited (${describeExit(this.exit)}) ` +
            `before listening on ${host}:${port}${this.outputTail()}`,
        );
      }
      if (await canConnect(host, port)) return;
      if (Date.now() >= deadline) {
        throw new StartFailure(
          'RuntimeStartTimeout',
          `function initialization exception: nothing listened on ${host}:${port} within ${timeoutMs} ms; ` +
            `an HTTP function's server must listen on ${host}:${port}${this.outputTail()}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, PORT_POLL_MS));
    }
  }

  stop() {
    if (this.running) this.child.kill('SIGKILL');
  }

  markExited(code, signal) {
    if (this.exit) return;
    this.exit = { code, signal };
    this.resolveExited(this.exit);
  }
}

function canConnect(host, port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function startErrorText(command, err) {
  const code = err && err.code ? err.code : '';
  if (code === 'ENOENT') return `function initialization exception: ${command} not found`;
  if (code === 'EACCES') return `function initialization exception: ${command} is not executable`;
  if (code === 'ENOEXEC')
    return `function initialization exception: ${command} is not a program or script the kernel can run`;
  return `function initialization exception: could not start ${command}: ${err && err.message ? err.message : String(err)}`;
}

function describeExit(exit) {
  if (exit.signal) return `signal ${exit.signal}`;
  return exit.code === null ? 'could not start' : `exit code ${exit.code}`;
}

/** The exit code a shell would report: the code, or 128 + signal number. */
function exitStatus(exit) {
  if (exit.code !== null && exit.code !== undefined) return exit.code;
  const number = exit.signal ? os.constants.signals[exit.signal] : undefined;
  return typeof number === 'number' ? 128 + number : 1;
}

module.exports = { FunctionProcess, StartFailure, bootstrapCommand, describeExit, exitStatus };
