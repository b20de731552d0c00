import { randomUUID } from 'node:crypto';
import type { TriggerEntity, TriggerRepository } from '@ofg/data-access';

/** In-memory triggers with the table's unique (function, type, name) constraint; counts queries. */
export class FakeTriggerRepository {
  readonly rows: TriggerEntity[] = [];
  queries = 0;
  private clock = Date.parse('2030-01-01T00:00:00Z');

  asRepository(): TriggerRepository {
    return this as unknown as TriggerRepository;
  }

  async listForFunction(projectId: string, functionId: string): Promise<TriggerEntity[]> {
    this.queries += 1;
    return this.rows.filter((t) => t.projectId === projectId && t.functionId === functionId);
  }

  async listForProjectOfTypes(projectId: string, types: readonly string[]): Promise<TriggerEntity[]> {
    this.queries += 1;
    return this.rows.filter((t) => t.projectId === projectId && types.includes(t.triggerTypeCode));
  }

  async find(projectId: string, functionId: string, type: string, id: string): Promise<TriggerEntity | null> {
    this.queries += 1;
    return (
      this.rows.find(
        (t) =>
          t.projectId === projectId &&
          t.functionId === functionId &&
          t.triggerTypeCode === type &&
          t.id === id,
      ) ?? null
    );
  }

  async existsByName(projectId: string, functionId: string, type: string, name: string): Promise<boolean> {
    this.queries += 1;
    return this.rows.some(
      (t) =>
        t.projectId === projectId &&
        t.functionId === functionId &&
        t.triggerTypeCode === type &&
        t.name === name,
    );
  }

  async create(row: Partial<TriggerEntity>): Promise<TriggerEntity> {
    this.queries += 1;
    this.assertUnique(row as TriggerEntity);
    const at = new Date((this.clock += 1000));
    const created = { id: randomUUID(), createdAt: at, updatedAt: at, ...row } as TriggerEntity;
    this.rows.push(created);
    return { ...created };
  }

  async update(projectId: string, id: string, patch: Partial<TriggerEntity>): Promise<TriggerEntity | null> {
    this.queries += 1;
    const row = this.rows.find((t) => t.projectId === projectId && t.id === id);
    if (!row) return null;
    this.assertUnique({ ...row, ...patch });
    Object.assign(row, patch, { updatedAt: new Date((this.clock += 1000)) });
    return { ...row };
  }

  async delete(projectId: string, id: string): Promise<boolean> {
    this.queries += 1;
    const at = this.rows.findIndex((t) => t.projectId === projectId && t.id === id);
    if (at < 0) return false;
    this.rows.splice(at, 1);
    return true;
  }

  async deleteAllForFunction(projectId: string, functionId: string): Promise<string[]> {
    this.queries += 1;
    const gone = this.rows.filter((t) => t.projectId === projectId && t.functionId === functionId);
    for (const t of gone) this.rows.splice(this.rows.indexOf(t), 1);
    return gone.map((t) => t.id);
  }

  private assertUnique(row: TriggerEntity): void {
    const clash = this.rows.some(
      (t) =>
        t.id !== row.id &&
        t.functionId === row.functionId &&
        t.triggerTypeCode === row.triggerTypeCode &&
        t.name === row.name,
    );
    if (clash) throw Object.assign(new Error('duplicate key'), { code: '23505' });
  }
}
