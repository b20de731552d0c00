'use strict';
/**
 * Code upload of every runtime image: a small POSIX ustar / GNU tar reader that unpacks `PUT /code` into the code root.
 * No links, no absolute or `..` paths, modes kept. Plain CommonJS with node: builtins only.
 */
const fs = require('node:fs');
const path = require('node:path');

class BadArchiveError extends Error {}

function cString(buf, start, length) {
  const field = buf.subarray(start, start + length);
  const end = field.indexOf(0);
  return field.subarray(0, end === -1 ? field.length : end).toString('utf8');
}

function tarNumber(buf, start, length, field) {
  // GNU base-256 encoding for values that do not fit in octal.
  if (buf[start] & 0x80) {
    let value = buf[start] & 0x7f;
    for (let i = start + 1; i < start + length; i++) value = value * 256 + buf[i];
    return value;
  }
  const text = buf
    .subarray(start, start + length)
    .toString('latin1')
    .replace(/[\0 ]+$/g, '')
    .replace(/^[\0 ]+/, '');
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw new BadArchiveError(`invalid tar header: bad ${field} field '${text}'`);
  return parseInt(text, 8);
}

function checksumMatches(header) {
  const stored = tarNumber(header, 148, 8, 'checksum');
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < 512; i++) {
    const byte = i >= 148 && i < 156 ? 0x20 : header[i];
    unsigned += byte;
    signed += byte > 127 ? byte - 256 : byte;
  }
  return stored === unsigned || stored === signed;
}

function isZeroBlock(block) {
  for (let i = 0; i < block.length; i++) if (block[i] !== 0) return false;
  return true;
}

function parsePaxPath(data) {
  const text = data.toString('utf8');
  let offset = 0;
  let found = null;
  while (offset < text.length) {
    const space = text.indexOf(' ', offset);
    if (space === -1) break;
    const length = parseInt(text.slice(offset, space), 10);
    if (!(length > 0)) throw new BadArchiveError('invalid pax extended header');
    const record = text.slice(space + 1, offset + length - 1);
    const eq = record.indexOf('=');
    if (eq > 0 && record.slice(0, eq) === 'path') found = record.slice(eq + 1);
    offset += length;
  }
  return found;
}

/** Safe relative path of an entry, '' for the archive root; rejects absolute paths and `..`. */
function entryPath(name) {
  if (name.includes('\0')) throw new BadArchiveError(`invalid entry name '${name}'`);
  if (name.startsWith('/')) throw new BadArchiveError(`absolute path not allowed: '${name}'`);
  const parts = name.split('/').filter((part) => part !== '' && part !== '.');
  if (parts.includes('..')) throw new BadArchiveError(`path traversal not allowed: '${name}'`);
  return parts.join('/');
}

/** Parses a whole tar archive into file and directory entries (validation only, nothing is written). */
function parseTar(buf) {
  if (buf.length === 0) throw new BadArchiveError('empty archive');
  const entries = new Map();
  let offset = 0;
  let longName = null;
  let paxPath = null;
  let sawEnd = false;
  while (offset + 512 <= buf.length) {
    const header = buf.subarray(offset, offset + 512);
    if (isZeroBlock(header)) {
      sawEnd = true;
      break;
    }
    if (!checksumMatches(header))
      throw new BadArchiveError(`invalid tar header checksum at offset ${offset}`);
    const size = tarNumber(header, 124, 12, 'size');
    const type = header[156] === 0 ? '0' : String.fromCharCode(header[156]);
    const dataStart = offset + 512;
    const dataEnd = dataStart + size;
    if (dataEnd > buf.length) throw new BadArchiveError('truncated archive');
    const data = buf.subarray(dataStart, dataEnd);
    offset = dataStart + Math.ceil(size / 512) * 512;

    if (type === 'L') {
      longName = cString(data, 0, data.length);
      continue;
    }
    if (type === 'x') {
      paxPath = parsePaxPath(data);
      continue;
    }
    if (type === 'g' || type === 'K') continue;

    let name = cString(header, 0, 100);
    const magic = header.subarray(257, 263).toString('latin1');
    // Only POSIX ustar has a prefix field; GNU tar stores times in those bytes.
    if (magic === 'ustar\0') {
      const prefix = cString(header, 345, 155);
      if (prefix) name = `${prefix}/${name}`;
    }
    if (longName !== null) name = longName;
    if (paxPath !== null) name = paxPath;
    longName = null;
    paxPath = null;

    if (type === '1' || type === '2') throw new BadArchiveError(`links are not allowed: '${name}'`);
    if (type !== '0' && type !== '7' && type !== '5') {
      throw new BadArchiveError(`unsupported entry type '${type}' for '${name}'`);
    }
    const rel = entryPath(name);
    const mode = tarNumber(header, 100, 8, 'mode') & 0o777;
    if (type === '5') {
      if (rel !== '') entries.set(rel, { kind: 'dir', rel, mode });
    } else {
      if (rel === '') throw new BadArchiveError(`file entry without a name: '${name}'`);
      entries.set(rel, { kind: 'file', rel, mode, data });
    }
  }
  if (!sawEnd && offset < buf.length) throw new BadArchiveError('truncated archive');

  // A path cannot be both a file and a directory (or a file's child).
  for (const entry of entries.values()) {
    const parts = entry.rel.split('/');
    for (let i = 1; i < parts.length; i++) {
      const ancestor = entries.get(parts.slice(0, i).join('/'));
      if (ancestor && ancestor.kind === 'file') {
        throw new BadArchiveError(`'${entry.rel}' is inside '${ancestor.rel}', which is a file`);
      }
    }
  }
  return [...entries.values()];
}

/** Unpacks an uncompressed tar into codeRoot; returns how many files and bytes it wrote. */
function extractTar(buf, codeRoot) {
  const entries = parseTar(buf);
  fs.mkdirSync(codeRoot, { recursive: true });
  let files = 0;
  let bytes = 0;
  const dirModes = [];
  for (const entry of entries) {
    const target = path.join(codeRoot, entry.rel);
    if (entry.kind === 'dir') {
      fs.mkdirSync(target, { recursive: true, mode: 0o755 });
      // Owner r-x kept so the runtime user can always load the code; applied last so children can be written.
      dirModes.push({ target, mode: entry.mode | 0o500 });
      continue;
    }
    fs.mkdirSync(path.dirname(target), { recursive: true, mode: 0o755 });
    const existing = fs.lstatSync(target, { throwIfNoEntry: false });
    // Never write through a link or over a directory left by an earlier upload.
    if (existing && !existing.isFile()) fs.rmSync(target, { recursive: true, force: true });
    const mode = entry.mode | 0o400;
    fs.writeFileSync(target, entry.data, { mode });
    fs.chmodSync(target, mode);
    files += 1;
    bytes += entry.data.length;
  }
  dirModes.sort((a, b) => b.target.length - a.target.length);
  for (const { target, mode } of dirModes) fs.chmodSync(target, mode);
  return { files, bytes };
}

module.exports = { BadArchiveError, extractTar, parseTar };
