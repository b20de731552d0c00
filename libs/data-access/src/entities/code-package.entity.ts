import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** A code package, content-addressed by the SHA-512 digest the API reports. */
@Entity({ name: 'code_packages' })
export class CodePackageEntity {
  @PrimaryColumn({ type: 'varchar', length: 128 })
  digest!: string;

  @Column({ type: 'bigint', transformer: { to: (v: number) => v, from: (v: string) => Number(v) } })
  size!: number;

  /** The package as a zip archive. */
  @Column({ type: 'bytea' })
  data!: Buffer;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
