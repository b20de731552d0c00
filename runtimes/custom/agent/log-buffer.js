'use strict';
/** Bounded per-request log: keeps the newest bytes and says how many it dropped. */

class LogBuffer {
  constructor(capBytes) {
    this.capBytes = capBytes;
    this.chunks = [];
    this.bytes = 0;
    this.dropped = 0;
    this.closed = false;
  }

  append(text) {
    if (this.closed || !text) return;
    let chunk = Buffer.from(text, 'utf8');
    if (chunk.length > this.capBytes) {
      const tail = sliceTail(chunk, this.capBytes);
      this.dropped += chunk.length - tail.length;
      chunk = tail;
    }
    this.chunks.push(chunk);
    this.bytes += chunk.length;
    while (this.bytes > this.capBytes && this.chunks.length > 1) {
      const head = this.chunks.shift();
      this.bytes -= head.length;
      this.dropped += head.length;
    }
  }

  close() {
    this.closed = true;
  }

  toString() {
    const text = Buffer.concat(this.chunks).toString('utf8');
    return this.dropped > 0 ? `[log truncated: ${this.dropped} bytes dropped]\n${text}` : text;
  }
}

/** Last `cap` bytes of buf, starting on a UTF-8 character boundary. */
function sliceTail(buf, cap) {
  if (buf.length <= cap) return buf;
  let start = buf.length - cap;
  while (start < buf.length && (buf[start] & 0xc0) === 0x80) start++;
  return buf.subarray(start);
}

module.exports = { LogBuffer };
