/** CPU time of the processes a benchmark drives, read from /proc (Linux), so a gap can be split by process. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import Docker from 'dockerode';
import Redis from 'ioredis';
import { Client } from 'pg';

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  return ticksPerSecond;
}

/** User + system CPU milliseconds a process has used so far; 0 once it is gone. */
export function processCpuMs(pid: number): number {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return 0;
  }
  // The command name is in parentheses and may hold spaces; utime and stime are the 12th and 13th fields after it.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks();
}

/** CPU milliseconds of the PostgreSQL backends serving a database, by pid (this client's own backend left out). */
export async function postgresBackendsCpu(db: Client, database: string): Promise<Map<number, number>> {
  const { rows } = await db.query<{ pid: number }>(
    'SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
    [database],
  );
  return new Map(rows.map((r) => [r.pid, processCpuMs(r.pid)]));
}

/** CPU the backends used since `before`; a backend that connected in between counts from its start. */
export async function postgresBackendsCpuSince(
  db: Client,
  database: string,
  before: Map<number, number>,
): Promise<number> {
  const after = await postgresBackendsCpu(db, database);
  let total = 0;
  for (const [pid, cpu] of after) total += cpu - (before.get(pid) ?? 0);
  return total;
}

/** CPU milliseconds of the Redis server (INFO cpu), whichever clients caused them. */
export async function redisCpuMs(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const field = (name: string) => Number(new RegExp(`^${name}:([0-9.]+)`, 'm').exec(info)?.[1] ?? NaN);
  return (field('used_cpu_user') + field('used_cpu_sys')) * 1000;
}

/** CPU milliseconds of a container's whole cgroup so far (the Engine's one-shot stats). */
export async function containerCpuMs(id: string): Promise<number> {
  const stats = (await new Docker().getContainer(id).stats({ stream: false, 'one-shot': true })) as {
    cpu_stats?: { cpu_usage?: { total_usage?: number } };
  };
  return (stats.cpu_stats?.cpu_usage?.total_usage ?? NaN) / 1e6;
}

/** The pid among `pids` running the compiled app (`apps/<app>/src/main.js`), found by its command line. */
export function appPid(pids: number[], app: string): number {
  const pid = pids.find((p) => {
    try {
      return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(`apps/${app}/src/main.js`);
    } catch {
      return false;
    }
  });
  if (pid === undefined) throw new Error(`no process of ${app} among ${pids.join(', ')}`);
  return pid;
}
