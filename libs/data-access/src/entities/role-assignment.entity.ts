import { CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** A system role granted to a user in a project; the key is the whole row, so a grant exists at most once. */
@Entity({ name: 'role_assignments' })
export class RoleAssignmentEntity {
  @PrimaryColumn({ name: 'user_id', type: 'uuid' })
  userId!: string;

  @PrimaryColumn({ name: 'project_id', type: 'varchar', length: 64 })
  projectId!: string;

  @PrimaryColumn({ name: 'role_name', type: 'varchar', length: 64 })
  roleName!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
