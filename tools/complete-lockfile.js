#!/usr/bin/env node
// The registry this project is built against serves only Linux builds of native packages, so `npm install`
// leaves other platforms' optional packages out of package-lock.json and `npm ci` then refuses the lockfile.
// This adds those optional entries (version, os, cpu, libc) back, as an unrestricted registry would record them.
// Run `npm run lock:complete` after changing dependencies.
const fs = require('node:fs');
const path = require('node:path');

const file = path.resolve(__dirname, '..', 'package-lock.json');
const lock = JSON.parse(fs.readFileSync(file, 'utf8'));
const pkgs = lock.packages;
const OS = /(darwin|linux|win32|freebsd|android|openharmony|sunos|aix|netbsd|openbsd)/;
const CPU = /(x64|arm64|arm|ia32|ppc64|s390x|riscv64|loong64|wasm32)/;
let added = 0;
for (const [key, meta] of Object.entries(pkgs)) {
  for (const [name, spec] of Object.entries(meta.optionalDependencies ?? {})) {
    const nested = key ? `${key}/node_modules/${name}` : `node_modules/${name}`;
    const top = `node_modules/${name}`;
    if (pkgs[nested] || pkgs[top]) continue;
    const entry = { version: String(spec).replace(/^[\^~=]/, ''), optional: true };
    const os = OS.exec(name)?.[1];
    const cpu = CPU.exec(name)?.[1];
    if (os) entry.os = [os];
    if (cpu) entry.cpu = [cpu];
    if (name.includes('musl')) entry.libc = ['musl'];
    else if (os === 'linux' && name.includes('gnu')) entry.libc = ['glibc'];
    pkgs[top] = entry;
    added++;
  }
}
lock.packages = Object.fromEntries(
  Object.entries(pkgs).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : a > b ? 1 : 0)),
);
fs.writeFileSync(file, JSON.stringify(lock, null, 2) + '\n');
console.log(`complete-lockfile: added ${added} optional platform entries`);
