/**
 * Memory of this invoker's containers: the memory_size of every live instance and prewarmed container, counted from
 * the moment it is admitted until its container is removed.
 */
export class MemoryBudget {
  private committed = 0;

  /** `budgetMb` undefined or ≤ 0: no budget. */
  constructor(budgetMb: number | undefined) {
    this.budgetMb = budgetMb !== undefined && budgetMb > 0 ? budgetMb : Number.POSITIVE_INFINITY;
  }

  readonly budgetMb: number;

  get committedMb(): number {
    return this.committed;
  }

  /** Megabytes that must be freed before `mb` more fit (0 when they fit). */
  shortfall(mb: number): number {
    return Math.max(0, this.committed + mb - this.budgetMb);
  }

  fits(mb: number): boolean {
    return this.shortfall(mb) === 0;
  }

  commit(mb: number): void {
    this.committed += mb;
  }

  free(mb: number): void {
    this.committed = Math.max(0, this.committed - mb);
  }
}
