import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, Unique, UpdateDateColumn } from 'typeorm';

/** One immutable package of a dependency; functions reference versions by id. */
@Entity({ name: 'dependency_versions' })
@Unique('uq_dependency_versions_dependency_version', ['dependencyId', 'version'])
export class DependencyVersionEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'dependency_id', type: 'uuid' })
  dependencyId!: string;

  @Column({ name: 'project_id', type: 'varchar', length: 64 })
  projectId!: string;

  @Column({ type: 'integer' })
  version!: number;

  @Column({ type: 'varchar', length: 32 })
  runtime!: string;

  @Column({ type: 'varchar', length: 512, default: '' })
  description!: string;

  /** `zip` or `obs`: how the package was imported. */
  @Column({ name: 'depend_type', type: 'varchar', length: 8 })
  dependType!: string;

  /** SHA-512 of the zip: the key of its row in `code_packages`. */
  @Column({ name: 'code_digest', type: 'varchar', length: 128 })
  codeDigest!: string;

  /** MD5 of the zip, hex (the API's `etag`). */
  @Column({ type: 'varchar', length: 32 })
  etag!: string;

  @Column({ type: 'bigint', transformer: { to: (v: number) => v, from: (v: string) => Number(v) } })
  size!: number;

  @Column({ name: 'file_name', type: 'varchar', length: 255 })
  fileName!: string;

  /** The URL an `obs` version was fetched from. */
  @Column({ type: 'text', default: '' })
  link!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
