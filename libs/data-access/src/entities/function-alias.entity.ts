import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, Unique, UpdateDateColumn } from 'typeorm';
import type { VersionStrategy } from '@ofg/contracts';

/** A named pointer at a main version (`latest` allowed), optionally splitting traffic to one additional version. */
@Entity({ name: 'function_aliases' })
@Unique('uq_function_aliases_name', ['functionId', 'name'])
export class FunctionAliasEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'project_id', type: 'varchar', length: 64 })
  projectId!: string;

  @Column({ name: 'function_id', type: 'uuid' })
  functionId!: string;

  @Column({ type: 'varchar', length: 64 })
  name!: string;

  /** Main version. */
  @Column({ type: 'varchar', length: 64 })
  version!: string;

  @Column({ type: 'varchar', length: 512, default: '' })
  description!: string;

  /** Additional version → percentage of requests. */
  @Column({ name: 'additional_version_weights', type: 'jsonb', default: () => "'{}'::jsonb" })
  additionalVersionWeights!: Record<string, number>;

  /** Additional version → the header/cookie rules that route a request to it. */
  @Column({ name: 'additional_version_strategy', type: 'jsonb', default: () => "'{}'::jsonb" })
  additionalVersionStrategy!: Record<string, VersionStrategy>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
