import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, Unique, UpdateDateColumn } from 'typeorm';

/** A named dependency of one project; its content lives in its versions. */
@Entity({ name: 'dependencies' })
@Unique('uq_dependencies_project_name', ['projectId', 'name'])
export class DependencyEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  /** The project that created it and alone may change it. */
  @Column({ name: 'project_id', type: 'varchar', length: 64 })
  projectId!: string;

  /** The owner's domain id, or `public`. */
  @Column({ type: 'varchar', length: 64 })
  owner!: string;

  /** Readable by every tenant (published by an installation administrator). */
  @Column({ name: 'is_public', type: 'boolean', default: false })
  isPublic!: boolean;

  @Column({ type: 'varchar', length: 96 })
  name!: string;

  /** The highest version number ever given out; numbers are never reused. */
  @Column({ name: 'last_version', type: 'integer', default: 0 })
  lastVersion!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
