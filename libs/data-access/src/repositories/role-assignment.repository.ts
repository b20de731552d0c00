import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { RoleAssignmentEntity } from '../entities/role-assignment.entity';

/** Role grants per user and project. */
@Injectable()
export class RoleAssignmentRepository {
  constructor(private readonly ds: DataSource) {}

  /** Names of the roles the user holds in the project, oldest grant first. */
  async listRoleNames(userId: string, projectId: string): Promise<string[]> {
    const rows = await this.ds
      .getRepository(RoleAssignmentEntity)
      .find({ where: { userId, projectId }, order: { createdAt: 'ASC', roleName: 'ASC' } });
    return rows.map((r) => r.roleName);
  }

  /** Grants a role; true when the grant is new, false when it existed (idempotent, safe under races). */
  async grant(userId: string, projectId: string, roleName: string): Promise<boolean> {
    const rows: unknown[] = await this.ds.query(
      `INSERT INTO role_assignments (user_id, project_id, role_name) VALUES ($1, $2, $3)
       ON CONFLICT DO NOTHING RETURNING role_name`,
      [userId, projectId, roleName],
    );
    return rows.length > 0;
  }

  /** Revokes a role; true when a grant was removed. */
  async revoke(userId: string, projectId: string, roleName: string): Promise<boolean> {
    const res = await this.ds.getRepository(RoleAssignmentEntity).delete({ userId, projectId, roleName });
    return (res.affected ?? 0) > 0;
  }
}
