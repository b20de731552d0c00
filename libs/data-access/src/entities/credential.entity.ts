import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** A permanent access key; the secret is stored encrypted because signatures need it in clear. */
@Entity({ name: 'credentials' })
export class CredentialEntity {
  @PrimaryColumn({ name: 'access_key', type: 'varchar', length: 64 })
  accessKey!: string;

  @Column({ name: 'secret_key_ciphertext', type: 'text' })
  secretKeyCiphertext!: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId!: string;

  @Column({ name: 'project_id', type: 'varchar', length: 64 })
  projectId!: string;

  @Column({ type: 'varchar', length: 16, default: 'active' })
  status!: string;

  @Column({ type: 'varchar', length: 255, default: '' })
  description!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
