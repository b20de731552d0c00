import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { withTenant } from '../tenancy/tenant-scope';

/** A function's APM key pair; the secret key only as a SecretCipher envelope (the service seals and opens it). */
export interface FunctionTracingRecord {
  functionId: string;
  projectId: string;
  tracingAk: string;
  tracingSkCiphertext: string;
  updatedAt: Date;
}

interface TracingRow {
  function_id: string;
  project_id: string;
  tracing_ak: string;
  tracing_sk_ciphertext: string;
  updated_at: Date;
}

/** Tracing configuration per function, one row at most; no row means tracing is off. */
@Injectable()
export class FunctionTracingRepository {
  constructor(private readonly ds: DataSource) {}

  find(projectId: string, functionId: string): Promise<FunctionTracingRecord | null> {
    return withTenant(this.ds, projectId, async (em) => {
      const rows = (await em.query(
        `SELECT function_id, project_id, tracing_ak, tracing_sk_ciphertext, updated_at
           FROM function_tracing WHERE project_id = $1 AND function_id = $2`,
        [projectId, functionId],
      )) as TracingRow[];
      return rows[0] ? toRecord(rows[0]) : null;
    });
  }

  /** Creates or replaces the key pair. */
  upsert(
    projectId: string,
    functionId: string,
    tracingAk: string,
    tracingSkCiphertext: string,
  ): Promise<FunctionTracingRecord> {
    return withTenant(this.ds, projectId, async (em) => {
      const rows = (await em.query(
        `INSERT INTO function_tracing (project_id, function_id, tracing_ak, tracing_sk_ciphertext)
         VALUES ($1, $2, $3, $4)
         ON CONFLICT (function_id) DO UPDATE
           SET tracing_ak = EXCLUDED.tracing_ak, tracing_sk_ciphertext = EXCLUDED.tracing_sk_ciphertext,
               updated_at = now()
         RETURNING function_id, project_id, tracing_ak, tracing_sk_ciphertext, updated_at`,
        [projectId, functionId, tracingAk, tracingSkCiphertext],
      )) as TracingRow[];
      return toRecord(rows[0]);
    });
  }

  /** False when tracing was already off. */
  delete(projectId: string, functionId: string): Promise<boolean> {
    return withTenant(this.ds, projectId, async (em) => {
      const [, affected] = (await em.query(
        `DELETE FROM function_tracing WHERE project_id = $1 AND function_id = $2`,
        [projectId, functionId],
      )) as [unknown, number];
      return affected > 0;
    });
  }
}

function toRecord(row: TracingRow): FunctionTracingRecord {
  return {
    functionId: row.function_id,
    projectId: row.project_id,
    tracingAk: row.tracing_ak,
    tracingSkCiphertext: row.tracing_sk_ciphertext,
    updatedAt: row.updated_at,
  };
}
