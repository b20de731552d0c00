import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { withTenant } from '../tenancy/tenant-scope';

/** A saved test event of one function; `content` is the decoded JSON document. */
export interface TestEventRecord {
  id: string;
  projectId: string;
  functionId: string;
  name: string;
  content: string;
  createdAt: Date;
  updatedAt: Date;
}

/** Why a create wrote nothing: the name is taken, the function holds its maximum, or the function is gone. */
export type CreateTestEventResult =
  | { kind: 'created'; event: TestEventRecord }
  | { kind: 'duplicate' }
  | { kind: 'full'; count: number }
  | { kind: 'no-function' };

interface TestEventRow {
  id: string;
  project_id: string;
  function_id: string;
  name: string;
  content: string;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 'id, project_id, function_id, name, content, created_at, updated_at';

/** Test events of one project's functions; every query takes the tenant and row-level security holds it to it. */
@Injectable()
export class TestEventRepository {
  constructor(private readonly ds: DataSource) {}

  /** The function's events, oldest first. */
  list(projectId: string, functionId: string): Promise<TestEventRecord[]> {
    return withTenant(this.ds, projectId, async (em) => {
      const rows = (await em.query(
        `SELECT ${COLUMNS} FROM test_events WHERE project_id = $1 AND function_id = $2
          ORDER BY created_at, id`,
        [projectId, functionId],
      )) as TestEventRow[];
      return rows.map(toRecord);
    });
  }

  /** `eventId` must be a uuid (callers check it: anything else is a Postgres error, not a miss). */
  find(projectId: string, functionId: string, eventId: string): Promise<TestEventRecord | null> {
    return withTenant(this.ds, projectId, async (em) => {
      const rows = (await em.query(
        `SELECT ${COLUMNS} FROM test_events WHERE project_id = $1 AND function_id = $2 AND id = $3`,
        [projectId, functionId, eventId],
      )) as TestEventRow[];
      return rows[0] ? toRecord(rows[0]) : null;
    });
  }

  /**
   * Adds an event unless its name is taken or the function already holds `maxPerFunction`; the function row is
   * locked for the check, so concurrent creates cannot pass the cap together.
   */
  create(
    projectId: string,
    functionId: string,
    name: string,
    content: string,
    maxPerFunction: number,
  ): Promise<CreateTestEventResult> {
    return withTenant(this.ds, projectId, async (em): Promise<CreateTestEventResult> => {
      if (!(await lockFunction(em, projectId, functionId))) return { kind: 'no-function' };
      const existing = (await em.query(
        `SELECT name FROM test_events WHERE project_id = $1 AND function_id = $2`,
        [projectId, functionId],
      )) as { name: string }[];
      if (existing.some((e) => e.name === name)) return { kind: 'duplicate' };
      if (existing.length >= maxPerFunction) return { kind: 'full', count: existing.length };
      const rows = (await em.query(
        `INSERT INTO test_events (project_id, function_id, name, content) VALUES ($1, $2, $3, $4)
         RETURNING ${COLUMNS}`,
        [projectId, functionId, name, content],
      )) as TestEventRow[];
      return { kind: 'created', event: toRecord(rows[0]) };
    });
  }

  /** Null when the event does not exist. */
  updateContent(
    projectId: string,
    functionId: string,
    eventId: string,
    content: string,
  ): Promise<TestEventRecord | null> {
    return withTenant(this.ds, projectId, async (em) => {
      const [rows] = (await em.query(
        `UPDATE test_events SET content = $4, updated_at = now()
          WHERE project_id = $1 AND function_id = $2 AND id = $3
          RETURNING ${COLUMNS}`,
        [projectId, functionId, eventId, content],
      )) as [TestEventRow[], number];
      return rows[0] ? toRecord(rows[0]) : null;
    });
  }

  /** False when the event did not exist. */
  delete(projectId: string, functionId: string, eventId: string): Promise<boolean> {
    return withTenant(this.ds, projectId, async (em) => {
      const [, affected] = (await em.query(
        `DELETE FROM test_events WHERE project_id = $1 AND function_id = $2 AND id = $3`,
        [projectId, functionId, eventId],
      )) as [unknown, number];
      return affected > 0;
    });
  }
}

/** Serialises per-function writes that check a count; `NO KEY UPDATE` leaves foreign-key checks unblocked. */
export async function lockFunction(
  em: EntityManager,
  projectId: string,
  functionId: string,
): Promise<boolean> {
  const rows = (await em.query(
    `SELECT 1 FROM functions WHERE project_id = $1 AND id = $2 FOR NO KEY UPDATE`,
    [projectId, functionId],
  )) as unknown[];
  return rows.length > 0;
}

function toRecord(row: TestEventRow): TestEventRecord {
  return {
    id: row.id,
    projectId: row.project_id,
    functionId: row.function_id,
    name: row.name,
    content: row.content,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
