import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** A FunctionGraph project: the tenant every resource belongs to. */
@Entity({ name: 'projects' })
export class ProjectEntity {
  /** 32 hex characters, as Huawei project ids are. */
  @PrimaryColumn({ type: 'varchar', length: 64 })
  id!: string;

  @Column({ type: 'varchar', length: 64, unique: true })
  name!: string;

  @Column({ name: 'domain_id', type: 'varchar', length: 64 })
  domainId!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
