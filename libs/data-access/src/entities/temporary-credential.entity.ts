import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/**
 * Temporary AK/SK/security token of a function's agency: the secret key is sealed under the master key (signatures
 * need it in clear), the security token is kept only as a SHA-256 hash (it is only ever compared).
 */
@Entity({ name: 'temporary_credentials' })
export class TemporaryCredentialEntity {
  @PrimaryColumn({ name: 'access_key', type: 'varchar', length: 64 })
  accessKey!: string;

  @Column({ name: 'secret_key_ciphertext', type: 'text' })
  secretKeyCiphertext!: string;

  @Column({ name: 'security_token_hash', type: 'varchar', length: 64 })
  securityTokenHash!: string;

  @Column({ name: 'project_id', type: 'varchar', length: 64 })
  projectId!: string;

  /** Who the credentials act as, e.g. `agency:<xrole>`. */
  @Column({ type: 'varchar', length: 300 })
  principal!: string;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
