import type {
  FunctionAliasEntity,
  FunctionEntity,
  FunctionVersionEntity,
  FunctionVersionRepository,
  QualifierCleanup,
} from '@ofg/data-access';

/** FunctionVersionRepository over arrays, for one function; the "lock" just runs the work. */
export class FakeFunctionVersions {
  readonly versions: FunctionVersionEntity[] = [];
  readonly aliases: FunctionAliasEntity[] = [];
  /** Qualifiers of the function's triggers. */
  readonly triggerQualifiers: string[] = [];
  private clock = Date.parse('2030-01-01T00:00:00Z');

  constructor(private readonly head: FunctionEntity) {}

  asRepository(): FunctionVersionRepository {
    return this as unknown as FunctionVersionRepository;
  }

  async withFunctionLocked<T>(_p: string, _id: string, work: (tx: unknown) => Promise<T>): Promise<T> {
    return work(this.tx());
  }

  async listVersions(_p: string, _id: string, offset: number, limit: number) {
    return { items: this.versions.slice(offset, offset + limit), total: this.versions.length };
  }

  async countVersions(): Promise<number> {
    return this.versions.length;
  }

  async findAlias(_p: string, _id: string, name: string) {
    return this.aliases.find((a) => a.name === name) ?? null;
  }

  async listAliases() {
    return [...this.aliases];
  }

  async loadQualifier() {
    return null;
  }

  private tx() {
    const now = () => new Date((this.clock += 1000));
    return {
      head: this.head,
      newestVersion: async () => this.versions.at(-1) ?? null,
      findVersion: async (name: string) => this.versions.find((v) => v.version === name) ?? null,
      versionsNamed: async (names: string[]) => this.versions.filter((v) => names.includes(v.version)),
      insertVersion: async (row: Omit<FunctionVersionEntity, 'id' | 'createdAt'>) => {
        const version = { ...row, id: `version-${this.versions.length}`, createdAt: now() };
        this.versions.push(version);
        return version;
      },
      aliases: async () => [...this.aliases],
      insertAlias: async (row: Omit<FunctionAliasEntity, 'id' | 'createdAt' | 'updatedAt'>) => {
        const alias = { ...row, id: `alias-${row.name}`, createdAt: now(), updatedAt: now() };
        this.aliases.push(alias);
        return alias;
      },
      updateAlias: async (id: string, patch: Partial<FunctionAliasEntity>) => {
        const alias = this.aliases.find((a) => a.id === id) as FunctionAliasEntity;
        return Object.assign(alias, patch, { updatedAt: now() });
      },
      countTriggers: async (qualifier: string) =>
        this.triggerQualifiers.filter((q) => q === qualifier).length,
      deleteAlias: async (name: string): Promise<QualifierCleanup> => {
        this.aliases.splice(
          this.aliases.findIndex((a) => a.name === name),
          1,
        );
        return { triggerIds: [], asyncConfigDeleted: false, reservationsDeleted: false };
      },
    };
  }
}
