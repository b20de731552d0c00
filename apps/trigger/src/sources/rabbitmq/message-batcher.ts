/**
 * Collects items into batches of at most `maxSize`, flushing a batch when it is full or `windowMs` after its first
 * item, one flush at a time (the next batch waits for the previous one to be settled).
 */
export class MessageBatcher<T> {
  private buffer: T[] = [];
  private timer?: NodeJS.Timeout;
  private due = false;
  private flushing?: Promise<void>;

  constructor(
    private readonly maxSize: number,
    private readonly windowMs: number,
    private readonly flush: (batch: T[]) => Promise<void>,
  ) {}

  add(item: T): void {
    this.buffer.push(item);
    if (this.buffer.length >= this.maxSize) this.due = true;
    else if (this.buffer.length === 1) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.due = true;
        this.pump();
      }, this.windowMs);
    }
    this.pump();
  }

  /** Items waiting for their batch; they are removed (the caller gives them back to the broker). */
  drain(): T[] {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.due = false;
    const items = this.buffer;
    this.buffer = [];
    return items;
  }

  /** Resolves once no flush is running. */
  async idle(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  private pump(): void {
    if (this.flushing || !this.due || this.buffer.length === 0) return;
    const batch = this.buffer.splice(0, this.maxSize);
    this.due = this.buffer.length >= this.maxSize;
    if (this.buffer.length === 0) {
      clearTimeout(this.timer);
      this.timer = undefined;
    } else if (!this.due && !this.timer) {
      // Items that arrived during the last flush already waited; give them one more window at most.
      this.due = true;
    }
    this.flushing = this.flush(batch)
      .catch(() => undefined)
      .finally(() => {
        this.flushing = undefined;
        this.pump();
      });
  }
}
